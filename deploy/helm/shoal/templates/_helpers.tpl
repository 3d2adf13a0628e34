{{/* Chart name, truncated to the 63 characters Kubernetes allows in names. */}}
{{- define "shoal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, plus the chart name unless the release already contains it. */}}
{{- define "shoal.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "shoal.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "shoal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shoal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: control-plane
{{- end }}

{{- define "shoal.labels" -}}
helm.sh/chart: {{ include "shoal.chart" . }}
{{ include "shoal.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shoal
{{- end }}

{{- define "shoal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "shoal.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret with the credentials: the user's, or the one this chart creates. */}}
{{- define "shoal.secretName" -}}
{{- default (include "shoal.fullname" .) .Values.existingSecret }}
{{- end }}

{{- define "shoal.claimName" -}}
{{- default (printf "%s-data" (include "shoal.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{- define "shoal.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
Settings the chart refuses, with the reason. Included from the Deployment, so that `helm template` and
`helm install` stop before anything is applied.
*/}}
{{- define "shoal.validate" -}}
{{- $replicas := int .Values.replicaCount }}
{{- if gt $replicas 1 }}
{{- if and (eq .Values.tracker.affinity "none") (not (include "shoal.redisUrl" .)) }}
{{- fail "replicaCount > 1 needs Redis (redis.url, or redis.deploy=true) so that every pod answers every announce, or else tracker.affinity (infoHash, clientIP or external) so that every announce of a torrent reaches the same pod. See the chart README." }}
{{- end }}
{{- if not .Values.database.url }}
{{- fail "replicaCount > 1 needs an external PostgreSQL (database.url): the embedded one belongs to a single node." }}
{{- end }}
{{- if and .Values.persistence.enabled (not .Values.persistence.existingClaim) (not (has "ReadWriteMany" .Values.persistence.accessModes)) }}
{{- fail "replicaCount > 1 shares the data volume between nodes: set persistence.accessModes to [ReadWriteMany] (or persistence.existingClaim to such a claim)." }}
{{- end }}
{{- end }}
{{- if and (eq .Values.tracker.affinity "infoHash") (not .Values.ingress.enabled) }}
{{- fail "tracker.affinity=infoHash routes announces with an Ingress: set ingress.enabled=true." }}
{{- end }}
{{- if and (not .Values.existingSecret) .Values.database.url (not .Values.database.password) }}
{{- fail "database.url is set: give database.password, or existingSecret naming a Secret with the credentials." }}
{{- end }}
{{- if and (not .Values.existingSecret) .Values.database.url (not .Values.masterKey) }}
{{- fail "database.url is set: give masterKey (32 bytes in base64: openssl rand -base64 32), or existingSecret naming a Secret with a master-key. Without it the control plane would generate one into the data volume, next to what it protects." }}
{{- end }}
{{- end }}

{{/*
The Redis URL the pods use: redis.url, else the chart's own Redis when redis.deploy, else empty.
*/}}
{{- define "shoal.redisUrl" -}}
{{- if .Values.redis.url }}
{{- .Values.redis.url }}
{{- else if .Values.redis.deploy }}
{{- printf "redis://%s-redis:6379" (include "shoal.fullname" .) }}
{{- end }}
{{- end }}

{{- define "shoal.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "shoal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "shoal.redisLabels" -}}
helm.sh/chart: {{ include "shoal.chart" . }}
{{ include "shoal.redisSelectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shoal
{{- end }}
