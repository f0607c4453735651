import { type FlexibleSchema, type JSONSchema7, jsonSchema } from 'ai';
import { z } from 'zod';

/**
 * A tool input schema from plain JSON Schema (OpenAPI parameters, MCP tools) that is also enforced:
 * the AI SDK's `jsonSchema` only describes, so arguments are checked with zod's JSON Schema reader and a
 * call whose arguments do not match fails before the tool runs.
 */
export function jsonSchemaInput(schema: JSONSchema7): FlexibleSchema<unknown> {
  let validator: z.ZodType | undefined;
  return jsonSchema<unknown>(schema, {
    validate: (value) => {
      validator ??= z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
      const result = validator.safeParse(value);
      return result.success
        ? { success: true, value: result.data }
        : { success: false, error: new Error(z.prettifyError(result.error)) };
    },
  });
}
