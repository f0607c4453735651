/**
 * The plumbing of a Bedrock Agents action-group Lambda, for functions Godwit (or a Bedrock Agent) invokes:
 * read the event's route, path parameters and request-body properties, run the action for the route, and
 * answer in the action-group response shape. Import it in your own function as `godwit/lambda/action-group`;
 * it has no dependencies, so it bundles small.
 *
 * An action throws `ActionError(status, message)` for an answer the caller should read (400 bad input,
 * 404 unknown, 409 conflict): it goes back as `httpStatusCode` with `{ "error": message }`. Any other error
 * fails the invocation, as the Lambda runtime reports it.
 *
 * @example
 *   export const handler = createActionGroupHandler({
 *     'GET /providers/{providerId}/availability': ({ parameter }) => availability(parameter('providerId')),
 *     'POST /appointments': ({ properties }) => book(properties),
 *   });
 */

/** The event Bedrock Agents (and Godwit's Lambda tool source) send an action-group function. */
export interface ActionGroupEvent {
  messageVersion: string;
  actionGroup: string;
  apiPath: string;
  httpMethod: string;
  parameters?: Array<{ name: string; type?: string; value: string }>;
  requestBody?: {
    content: { 'application/json': { properties: Array<{ name: string; type?: string; value: string }> } };
  };
  sessionId?: string;
  sessionAttributes?: Record<string, string>;
}

/** The answer an action-group function returns. */
export interface ActionGroupResponse {
  messageVersion: '1.0';
  response: {
    actionGroup: string;
    apiPath: string;
    httpMethod: string;
    httpStatusCode: number;
    responseBody: { 'application/json': { body: string } };
  };
  sessionAttributes: Record<string, string>;
  promptSessionAttributes: Record<string, string>;
}

/** An answer with a status other than 200, whose message the caller (the model) reads. */
export class ActionError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

/** What an action receives: the route, a path or query parameter by name, and the body's properties. */
export interface ActionRequest {
  /** `METHOD /api/path`, for example `POST /appointments`. */
  route: string;
  /** The parameter's value, or '' when the event has none of that name. */
  parameter(name: string): string;
  /** The request body's properties by name (values as sent: strings). */
  properties: Record<string, string>;
  event: ActionGroupEvent;
}

/** Actions by route (`METHOD /api/path`, as in the OpenAPI schema); each returns the response body. */
export type ActionRoutes = Record<string, (request: ActionRequest) => unknown>;

/**
 * A Lambda handler that runs the action named by the event's method and path. A route with no action
 * answers 404 `No action for METHOD /path.`
 */
export function createActionGroupHandler(
  routes: ActionRoutes,
): (event: ActionGroupEvent) => Promise<ActionGroupResponse> {
  return async (event) => {
    const route = `${event.httpMethod} ${event.apiPath}`;
    const request: ActionRequest = {
      route,
      parameter: (name) => event.parameters?.find((item) => item.name === name)?.value ?? '',
      properties: Object.fromEntries(
        (event.requestBody?.content['application/json'].properties ?? []).map((item) => [
          item.name,
          item.value,
        ]),
      ),
      event,
    };
    let status = 200;
    let body: unknown;
    try {
      const action = Object.hasOwn(routes, route) ? routes[route] : undefined;
      if (!action) throw new ActionError(404, `No action for ${route}.`);
      body = await action(request);
    } catch (error) {
      if (!(error instanceof ActionError)) throw error;
      status = error.status;
      body = { error: error.message };
    }
    return actionGroupResponse(event, status, body);
  };
}

/** The action-group response to `event` with this status and JSON body. */
export function actionGroupResponse(
  event: ActionGroupEvent,
  status: number,
  body: unknown,
): ActionGroupResponse {
  return {
    messageVersion: '1.0',
    response: {
      actionGroup: event.actionGroup,
      apiPath: event.apiPath,
      httpMethod: event.httpMethod,
      httpStatusCode: status,
      responseBody: { 'application/json': { body: JSON.stringify(body) } },
    },
    sessionAttributes: event.sessionAttributes ?? {},
    promptSessionAttributes: {},
  };
}
