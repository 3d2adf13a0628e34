package dev.shoal.agent.localapi;

import com.sun.net.httpserver.HttpExchange;
import java.util.Map;

/** A parsed, authenticated request, handed to route handlers. */
record ApiRequest(
    HttpExchange exchange,
    String method,
    String path,
    Map<String, String> pathParams,
    Map<String, String> query,
    byte[] body) {}
