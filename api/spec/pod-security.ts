// The `restricted` Pod Security Standard, as the rules that MicroService fields could otherwise
// break: what a rejection says, so that a user learns which PSA rule a field would violate rather
// than only that a key is unknown (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted).
// The schema only offers what `restricted` allows; these messages explain the keys it leaves out.

export const PSS_URL = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

/** Volume types outside restricted's "Volume Types" allow-list (configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret). */
const NON_RESTRICTED_VOLUME_TYPES = new Set([
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'portworxVolume',
  'photonPersistentDisk',
  'scaleIO',
  'storageos',
]);

/** Container and pod securityContext keys whose only use is to leave restricted, with the rule each breaks. */
const NON_RESTRICTED_SECURITY_KEYS: Record<string, string> = {
  privileged: "'Privileged Containers' (baseline)",
  allowPrivilegeEscalation: "'Privilege Escalation' (restricted: must be false, which the operator sets)",
  capabilities: "'Capabilities' (restricted: drop ALL, which the operator sets; add at most NET_BIND_SERVICE)",
  runAsNonRoot: "'Running as Non-root' (restricted: must be true, which the operator sets)",
  seccompProfile: "'Seccomp' (restricted: RuntimeDefault or Localhost, the operator sets RuntimeDefault)",
  seLinuxOptions: "'SELinux' (baseline: only the container_t, container_init_t, container_kvm_t types)",
  procMount: "'/proc Mount Type' (baseline: Default only)",
  windowsOptions: "'HostProcess' (baseline: no Windows HostProcess containers)",
  sysctls: "'Sysctls' (baseline: only the safe set)",
  appArmorProfile: "'AppArmor' (baseline: RuntimeDefault or Localhost)",
  readOnlyRootFilesystem:
    'the MicroService rule that the root filesystem stays read-only (mount a volume for writable paths)',
};

/** Pod-level keys that share the host's namespaces or ports. */
const NON_RESTRICTED_POD_KEYS: Record<string, string> = {
  hostNetwork: "'Host Namespaces' (baseline)",
  hostPID: "'Host Namespaces' (baseline)",
  hostIPC: "'Host Namespaces' (baseline)",
  hostPort: "'Host Ports' (baseline)",
};

/**
 * A message for an unknown key at `path` when the key exists in Kubernetes but would take the pod
 * out of `restricted`; undefined for keys that are merely misspelled.
 */
export function restrictedHint(path: readonly PropertyKey[], key: string): string | undefined {
  const parent = path.at(-1);
  const grand = path.at(-2);
  if (grand === 'volumes' && typeof parent === 'number' && NON_RESTRICTED_VOLUME_TYPES.has(key)) {
    return `${key} volumes break the restricted Pod Security rule 'Volume Types' (${PSS_URL}#restricted): use configMap, secret, emptyDir, persistentVolumeClaim, projected, downwardAPI or csi`;
  }
  if (parent === 'securityContext' && NON_RESTRICTED_SECURITY_KEYS[key]) {
    return `${key} is not offered: setting it could break the Pod Security rule ${NON_RESTRICTED_SECURITY_KEYS[key]} (${PSS_URL}); the operator renders the restricted values itself`;
  }
  if (NON_RESTRICTED_POD_KEYS[key]) {
    return `${key} is not offered: it breaks the Pod Security rule ${NON_RESTRICTED_POD_KEYS[key]} (${PSS_URL}#baseline)`;
  }
  return undefined;
}
