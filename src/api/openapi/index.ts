// Public surface of the OpenAPI model: /openapi/v2 and /openapi/v3 documents, patch schemas and unknown-field detection.
export { definitionFor, definitions, type Schema, type GVKExtension } from './model.js';
export { patchSchemaFor, unknownFields, typeMismatch, type TypeMismatch } from './fields.js';
export {
  OPENAPI_INFO_VERSION,
  openApiV2,
  openApiV3,
  openApiV3Body,
  openApiV3Hash,
  openApiV3Root,
} from './documents.js';
export { openApiV2Protobuf } from './protobuf.js';
