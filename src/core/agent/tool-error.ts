import { GodwitError, type GodwitErrorOptions } from '../errors.ts';

/**
 * A tool call that did not produce a usable result: it threw, timed out, returned something that is not
 * JSON, or its remote end failed. The message is shown to the model and stored with the call, so it
 * names the tool and what went wrong, and never holds a secret or a remote body.
 */
export class ToolError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions = {}) {
    super('dependency_unavailable', message, options);
  }
}
