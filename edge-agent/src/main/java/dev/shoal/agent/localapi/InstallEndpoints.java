package dev.shoal.agent.localapi;

import dev.shoal.agent.controlplane.ControlPlaneException;
import dev.shoal.agent.controlplane.Enrolment;
import dev.shoal.agent.controlplane.EnrolmentStore;
import dev.shoal.agent.install.InstallException;
import dev.shoal.agent.install.InstallJob;
import dev.shoal.agent.install.InstallRequest;
import dev.shoal.agent.install.InstallStatus;
import dev.shoal.agent.install.Installer;
import dev.shoal.agent.install.Installs;
import dev.shoal.agent.localapi.Router.Access;
import java.util.List;

/**
 * {@code /v1/enrolment} and {@code /v1/installs}: only token holders (launchers, the CLI) may
 * install, since an install writes where the caller says.
 */
record InstallEndpoints(EnrolmentStore enrolments, Installs installs, String deviceId) {
  record EnrolmentView(
      boolean enrolled, String controlPlane, String organisation, String deviceId) {}

  record Verification(String id, boolean intact, List<Installer.FileProblem> problems) {}

  void register(Router r) {
    r.add("GET", "/v1/enrolment", Access.TOKEN_OR_SESSION, req -> ApiResponse.json(enrolment()))
        .add("POST", "/v1/enrolment", Access.TOKEN, this::enrol)
        .add("GET", "/v1/installs", Access.TOKEN_OR_SESSION, req -> ApiResponse.json(all()))
        .add("POST", "/v1/installs", Access.TOKEN, this::start)
        .add("GET", "/v1/installs/{id}", Access.TOKEN_OR_SESSION, req -> status(job(req)))
        .add("POST", "/v1/installs/{id}/pause", Access.TOKEN, req -> act(req, InstallJob::pause))
        .add("POST", "/v1/installs/{id}/resume", Access.TOKEN, req -> act(req, InstallJob::resume))
        .add("POST", "/v1/installs/{id}/cancel", Access.TOKEN, req -> act(req, InstallJob::cancel))
        .add("POST", "/v1/installs/{id}/verify", Access.TOKEN, this::verify)
        .add("POST", "/v1/installs/{id}/repair", Access.TOKEN, this::repair);
  }

  private EnrolmentView enrolment() {
    return enrolments
        .current()
        .map(e -> new EnrolmentView(true, e.controlPlane().toString(), e.organisation(), deviceId))
        .orElse(new EnrolmentView(false, null, null, deviceId));
  }

  private ApiResponse enrol(ApiRequest req) {
    Bodies.Enrol e = Bodies.enrol(req.body());
    Enrolment done;
    try {
      done = enrolments.enrol(e.controlPlane(), e.organisation(), e.region());
    } catch (ControlPlaneException failed) {
      throw problem(InstallException.fromControlPlane(failed));
    }
    return ApiResponse.json(
        201,
        new EnrolmentView(true, done.controlPlane().toString(), done.organisation(), deviceId));
  }

  private List<InstallStatus> all() {
    return installs.jobs().stream().map(InstallJob::status).toList();
  }

  private ApiResponse start(ApiRequest req) {
    InstallRequest r = Bodies.install(req.body());
    InstallJob job = call(() -> installs.install(r));
    return ApiResponse.json(202, job.status());
  }

  private ApiResponse verify(ApiRequest req) {
    InstallJob job = job(req);
    List<Installer.FileProblem> problems = call(() -> installs.verify(job.request()));
    return ApiResponse.json(new Verification(job.id(), problems.isEmpty(), problems));
  }

  private ApiResponse repair(ApiRequest req) {
    InstallJob job = job(req);
    InstallJob repair = call(() -> installs.repair(job.request()));
    return ApiResponse.json(202, repair.status());
  }

  private InstallJob job(ApiRequest req) {
    String id = req.pathParams().get("id");
    return installs
        .job(id)
        .orElseThrow(() -> new ApiException(ProblemCode.NOT_FOUND, "no install " + id));
  }

  private static ApiResponse status(InstallJob job) {
    return ApiResponse.json(job.status());
  }

  private ApiResponse act(ApiRequest req, java.util.function.Consumer<InstallJob> action) {
    InstallJob job = job(req);
    action.accept(job);
    return ApiResponse.json(job.status());
  }

  @FunctionalInterface
  private interface Call<T> {
    T run() throws InstallException;
  }

  private static <T> T call(Call<T> c) {
    try {
      return c.run();
    } catch (InstallException e) {
      throw problem(e);
    }
  }

  /** The problem of the same code (the local API's codes include every install code). */
  private static ApiException problem(InstallException e) {
    return new ApiException(ProblemCode.valueOf(e.code().name()), e.getMessage());
  }
}
