{{/*
Helpers of the Pacs chart. The templates use a small subset of Helm's template language on purpose (define, include,
if/else, range, with, variables, and the functions quote, default, printf, toYaml, nindent, indent, b64enc, add,
list, index, not, eq), so
tests/Pacs.Deploy.Tests can render the chart without Helm and check what it produces.
*/}}

{{/* Labels of every object. */}}
{{- define "pacs.labels" -}}
app.kubernetes.io/part-of: pacs
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* The Secret holding the database connection string, the RabbitMQ password and the storage account key. */}}
{{- define "pacs.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{ .Values.secrets.existingSecret }}
{{- else -}}
{{ .Release.Name }}-pacs-secrets
{{- end -}}
{{- end }}

{{/* The image tag: image.tag, else the chart's appVersion. */}}
{{- define "pacs.tag" -}}
{{ default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* Service:* settings every service reads (libs/Pacs.ServiceDefaults). */}}
{{- define "pacs.serviceEnv" -}}
- name: Service__ShutdownTimeoutSeconds
  value: {{ .Values.service.shutdownTimeoutSeconds | quote }}
- name: Service__DrainDelaySeconds
  value: {{ .Values.service.drainDelaySeconds | quote }}
- name: Service__Logging__Format
  value: {{ .Values.service.logFormat | quote }}
- name: Service__Telemetry__TraceSampleRatio
  value: {{ .Values.telemetry.traceSampleRatio | quote }}
{{- if .Values.telemetry.otlpEndpoint }}
- name: Service__Telemetry__OtlpEndpoint
  value: {{ .Values.telemetry.otlpEndpoint | quote }}
- name: Service__Telemetry__OtlpProtocol
  value: {{ .Values.telemetry.otlpProtocol | quote }}
{{- end }}
{{- end }}

{{/* The index database, the blob store and the bus: what the DICOMweb service and the indexer share. */}}
{{- define "pacs.archiveEnv" -}}
- name: Pacs__Database__Provider
  value: PostgreSql
- name: Pacs__Database__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ include "pacs.secretName" . }}
      key: {{ .Values.secrets.databaseConnectionStringKey }}
- name: Pacs__Storage__Provider
  value: AzureBlob
- name: Pacs__Storage__Endpoint
  value: {{ .Values.azureBlob.endpoint | quote }}
- name: Pacs__Storage__Container
  value: {{ .Values.azureBlob.container | quote }}
- name: Pacs__Storage__AccountKey
  valueFrom:
    secretKeyRef:
      name: {{ include "pacs.secretName" . }}
      key: {{ .Values.secrets.storageAccountKeyKey }}
- name: Bus__Transport
  value: RabbitMq
- name: Bus__RabbitMq__Host
  value: {{ .Values.rabbitmq.host | quote }}
- name: Bus__RabbitMq__Port
  value: {{ .Values.rabbitmq.port | quote }}
- name: Bus__RabbitMq__Username
  value: {{ .Values.rabbitmq.username | quote }}
- name: Bus__RabbitMq__VirtualHost
  value: {{ .Values.rabbitmq.virtualHost | quote }}
- name: Bus__RabbitMq__UseTls
  value: {{ .Values.rabbitmq.useTls | quote }}
- name: Bus__RabbitMq__Password
  valueFrom:
    secretKeyRef:
      name: {{ include "pacs.secretName" . }}
      key: {{ .Values.secrets.rabbitmqPasswordKey }}
{{- end }}

{{/* Liveness checks no dependency (an outage must not restart pods); readiness checks them all. */}}
{{- define "pacs.probes" -}}
startupProbe:
  httpGet:
    path: /health/live
    port: http
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: /health/live
    port: http
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: /health/ready
    port: http
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
{{- end }}

{{/* Pod-level fields every workload shares. */}}
{{- define "pacs.podSpec" -}}
terminationGracePeriodSeconds: {{ add .Values.service.shutdownTimeoutSeconds 15 }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}
