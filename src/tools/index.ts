/**
 * Tool sources for assistants: built-ins (knowledge search, documents, time, calculator), OpenAPI
 * operations, and Bedrock Agents action-group Lambdas. The composition root builds the catalogue here.
 */
export { type AssistantCatalogOptions, createAssistantCatalog } from './create-assistant-catalog.ts';
export { actionGroupEvent, readActionGroupResponse } from './lambda/action-group-event.ts';
export { type LambdaInvoke, lambdaTools } from './lambda/lambda-tools.ts';
export {
  loadOpenApiDocument,
  type OpenApiDocument,
  parseOpenApiDocument,
} from './openapi/load-openapi-document.ts';
export { openApiOperations } from './openapi/openapi-operations.ts';
export { openApiTools } from './openapi/openapi-tools.ts';
