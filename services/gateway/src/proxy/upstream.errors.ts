/** Why a backend gave no answer: it did not answer in time, or it could not be reached / hung up. */
export type UpstreamFailure = "timeout" | "unreachable";

const timeoutCodes = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "ETIMEDOUT",
]);

/**
 * Classifies an error from the HTTP client (undici) or the socket below it. Anything that is not a
 * timeout counts as unreachable (refused, reset, DNS failure, closed pool): the client gets a 502 either way.
 */
export function classifyUpstreamError(err: unknown): UpstreamFailure {
  const codes = errorCodes(err);
  return codes.some((c) => timeoutCodes.has(c)) ? "timeout" : "unreachable";
}

function errorCodes(err: unknown): string[] {
  if (typeof err !== "object" || err === null) return [];
  const codes: string[] = [];
  const { code, cause, errors, name } = err as {
    code?: unknown;
    cause?: unknown;
    errors?: unknown;
    name?: unknown;
  };
  if (typeof code === "string") codes.push(code);
  if (name === "TimeoutError") codes.push("ETIMEDOUT");
  // Connecting to a name with several addresses fails with an AggregateError holding one error per address.
  if (Array.isArray(errors)) for (const e of errors) codes.push(...errorCodes(e));
  if (cause !== undefined && cause !== err) codes.push(...errorCodes(cause));
  return codes;
}
