// Public entry of the MicroService API: schema, types, defaults, validation and the CRD.
export * from './copy.ts';
export * from './crd.ts';
export * from './defaults.ts';
export * from './metadata.ts';
export * from './patterns.ts';
export * from './quantity.ts';
export * from './schema.ts';
export * from './spec/index.ts';
export * from './validate.ts';
