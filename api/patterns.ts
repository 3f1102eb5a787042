// Name syntaxes Kubernetes enforces, as regular expressions shared by zod and the CRD schema.
// Source: k8s.io/apimachinery pkg/util/validation/validation.go.

/** DNS-1035 label: a Service name must be one, and every child is named after the MicroService. */
export const DNS1035_LABEL = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
export const DNS1035_LABEL_MAX = 63;

/** DNS-1123 subdomain: ConfigMap, Secret and ServiceAccount names. */
export const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const DNS1123_SUBDOMAIN_MAX = 253;

/**
 * IANA service name (RFC 6335) as `IsValidPortName` checks it: at most 15 characters, lower-case letters,
 * digits and '-', no leading or trailing '-'. The API server's regexes are RE2 (no look-ahead), so the other two
 * conditions, at least one letter and no '--', are a separate check ({@link IANA_SVC_NAME_CEL}).
 */
export const IANA_SVC_NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const IANA_SVC_NAME_CEL = "self.matches('[a-z]') && !self.contains('--')";
export function isIanaSvcName(name: string): boolean {
  return new RegExp(IANA_SVC_NAME).test(name) && /[a-z]/.test(name) && !name.includes('--') && name.length <= 15;
}
export const IANA_SVC_NAME_MAX = 15;

/** Environment variable names: any printable ASCII but '=' (`IsEnvVarName`, relaxed since 1.30). */
export const ENV_VAR_NAME = '^[ -<>-~]+$';

/** A Go release as `1.N` or `1.N.P` (the toolchain in the image, or the go.mod `go` line). */
export const GO_VERSION = '^1\\.[0-9]+(\\.[0-9]+)?$';

/**
 * A JDK release as the image names it: a feature release (`17`, `21`), an update of one
 * (`17.0.5`, `11.0.16`), or a Java 8 update (`8u372`, or plain `8`). JDK 7 and older are not
 * container-aware in any update and are not accepted.
 */
export const JDK_VERSION = '^(8(u[0-9]{1,4})?|(9|[1-9][0-9])(\\.[0-9]+(\\.[0-9]+)?)?)$';

/** A Node.js release: a major line (`22`) or an exact release (`22.11.0`), from Node 12 on. */
export const NODE_VERSION = '^(1[2-9]|[2-9][0-9])(\\.[0-9]+(\\.[0-9]+)?)?$';

/** A ConfigMap or Secret key (`IsConfigMapKey`). */
export const CONFIG_MAP_KEY = '^[-._a-zA-Z0-9]+$';

/**
 * Pod fields an env var may read (`validEnvDownwardAPIFieldPathExpressions`, plus the subscripted
 * `metadata.labels['k']` and `metadata.annotations['k']` that `validateObjectFieldSelector` allows).
 */
export const ENV_FIELD_PATH =
  "^(metadata\\.(name|namespace|uid)|spec\\.(nodeName|serviceAccountName)|status\\.(hostIP|hostIPs|podIP|podIPs)|metadata\\.(labels|annotations)\\['[^']+'\\])$";

/** Container resources an env var may read (`validContainerResourceFieldPathExpressions`, hugepages). */
export const ENV_RESOURCE = '^(limits|requests)\\.(cpu|memory|ephemeral-storage|hugepages-[0-9A-Za-z.]+)$';

/** An envFrom prefix: empty, or characters an env var name may have (`IsEnvVarName`, relaxed). */
export const ENV_VAR_PREFIX = '^[ -<>-~]*$';
