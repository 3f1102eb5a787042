{{/* Chart name, truncated to the 63 characters of a label value. */}}
{{- define "msvc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects. */}}
{{- define "msvc.fullname" -}}
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

{{- define "msvc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "msvc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The operator's own managed-by is Helm; msvc-operator is the label of what *it* manages. */}}
{{- define "msvc.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "msvc.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: microservice-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "msvc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "msvc.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "msvc.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The rules of the operator's manager role: exactly what operator/ does, no more.
  microservices          list, watch         informer (operator/app.ts)
  microservices/status   patch               server-side apply of status (Client.applyStatus)
  microservices/finalizers update            only checked by the OwnerReferencesPermissionEnforcement
                                             admission plugin: children carry blockOwnerDeletion: true
  children               list, watch         informers, filtered by app.kubernetes.io/managed-by
                         create, patch       server-side apply (an apply that creates needs create)
                         delete              pruning children no longer rendered
  (serviceaccounts, services, deployments, horizontalpodautoscalers, poddisruptionbudgets,
   networkpolicies, ingresses)
  optional children      get, create,        kinds whose CRD may be missing (CHILD_KINDS entries with a crd in
  (servicemonitors,      patch, delete       operator/microservice/reconciler.ts): read by GET, not cached, so
   podmonitors,                              no list/watch; discovery (GET /apis/...) is open to every
   httproutes, grpcroutes,                   authenticated user (system:discovery)
   Istio authorizationpolicies,
   Linkerd meshtlsauthentications)
  optional children,     get, list, create,  the same, for the kinds a MicroService may own several of
  several per service    patch, delete       (CHILD_KINDS `several`: one per port): pruning lists
  (Linkerd servers,                          them by the app.kubernetes.io/name label to find the
   authorizationpolicies)                    ones no longer rendered
  pods                   list, watch         status (ready replicas, image pull, OOM, crash loops)
  events                 create, update      core/v1 Events (operator/runtime/events.ts): a repeat
                                             updates the Event's count (optimistic, with its resourceVersion)
No get on the built-in kinds: the operator reads them through its caches. No Secrets, ConfigMaps or anything else.
*/}}
{{- define "msvc.managerRules" -}}
- apiGroups: ["msvc.dev"]
  resources: ["microservices"]
  verbs: ["list", "watch"]
- apiGroups: ["msvc.dev"]
  resources: ["microservices/status"]
  verbs: ["patch"]
- apiGroups: ["msvc.dev"]
  resources: ["microservices/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["serviceaccounts", "services"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies", "ingresses"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["monitoring.coreos.com"]
  resources: ["servicemonitors", "podmonitors"]
  verbs: ["get", "create", "patch", "delete"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes", "grpcroutes"]
  verbs: ["get", "create", "patch", "delete"]
- apiGroups: ["security.istio.io"]
  resources: ["authorizationpolicies"]
  verbs: ["get", "create", "patch", "delete"]
- apiGroups: ["policy.linkerd.io"]
  resources: ["meshtlsauthentications"]
  verbs: ["get", "create", "patch", "delete"]
- apiGroups: ["policy.linkerd.io"]
  resources: ["servers", "authorizationpolicies"]
  verbs: ["get", "list", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
{{- /* The capacity preflight (CapacityRisk) reads the namespace's quotas and limit ranges. */}}
- apiGroups: [""]
  resources: ["resourcequotas", "limitranges"]
  verbs: ["list", "watch"]
{{- if .Values.configRollout.enabled }}
{{- /* spec.rolloutOnConfigChange: the operator lists and watches metadata only (PartialObjectMetadata). */}}
- apiGroups: [""]
  resources: ["configmaps", "secrets"]
  verbs: ["list", "watch"]
{{- end }}
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "update"]
{{- end }}
