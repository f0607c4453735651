/**
 * Which model actually answered a call. The fallback chain records the model that took over as
 * `providerMetadata.godwit.answeredBy`, and routing rules the model they chose as `routedTo`; usage is
 * priced and recorded under that model, not the one the caller named.
 */
export function answeringModel(requested: string, providerMetadata: unknown): string {
  const godwit = (providerMetadata as { godwit?: { answeredBy?: unknown; routedTo?: unknown } } | undefined)
    ?.godwit;
  if (typeof godwit?.answeredBy === 'string' && godwit.answeredBy) return godwit.answeredBy;
  if (typeof godwit?.routedTo === 'string' && godwit.routedTo) return godwit.routedTo;
  return requested;
}
