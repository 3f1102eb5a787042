// Who the MicroService operator is to the API server: the field manager of its writes, the
// `app.kubernetes.io/managed-by` value of its children (its watches select on it), the component
// of its Events, and the controller name in metrics and logs. One place, so they never drift.

/** Field manager of every write, and the Events' reporting component. */
export const FIELD_MANAGER = 'msvc-operator';

/** `app.kubernetes.io/managed-by` on every child; the children's and pods' watches filter on it. */
export const MANAGED_BY = 'msvc-operator';

/** The `controller` label of metrics and logs. */
export const CONTROLLER_NAME = 'microservice';
