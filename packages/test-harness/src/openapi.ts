import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void;

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, ResponseSpec> }>>;
  components?: unknown;
}
interface ResponseSpec {
  content?: Record<string, { schema?: unknown }>;
  headers?: Record<string, { required?: boolean }>;
}

/** Why a response does not match the document, or undefined when it does. */
export type ResponseChecker = (
  method: string,
  url: string,
  status: number,
  contentType: string | null,
  body: string,
) => string | undefined;

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

/**
 * Checks responses against an OpenAPI 3.1 document: the path and method must be documented, the status listed,
 * and a JSON body must match its schema (JSON Schema 2020-12, with formats). Refs resolve inside the document.
 */
export function openApiChecker(document: unknown): ResponseChecker {
  const doc = document as OpenApiDocument;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc as object, "api", undefined, false);
  const templates = Object.keys(doc.paths).map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));
  templates.sort((a, b) => a.params - b.params);
  const validators = new Map<string, ReturnType<Ajv2020["compile"]>>();

  return (method, url, status, contentType, body) => {
    const path = new URL(url).pathname;
    const m = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
    const found = templates.find((t) => t.regex.test(path) && doc.paths[t.template]?.[m] !== undefined);
    if (!found) {
      // A path or method the API does not have: the gateway's JSON 404 or 405, in the document's error shape.
      if (status !== 404 && status !== 405) return `${method} ${path} is not in the OpenAPI document`;
      return validateJson("api#/components/schemas/Error", `${method} ${path} ${status}`, body);
    }
    const responses = doc.paths[found.template]?.[m]?.responses ?? {};
    const key = String(status) in responses ? String(status) : "default" in responses ? "default" : undefined;
    if (key === undefined)
      return `${method} ${found.template} answered ${status}, which the document does not list`;
    const media = (contentType ?? "").split(";")[0]?.trim() ?? "";
    const content = responses[key]?.content;
    if (content === undefined) return undefined;
    if (!(media in content))
      return `${method} ${found.template} ${status} answered ${media}, not ${Object.keys(content).join(", ")}`;
    if (media !== "application/json" || m === "head") return undefined;
    const ref = `api#/${pointer("paths", found.template, m, "responses", key, "content", media, "schema")}`;
    return validateJson(ref, `${method} ${found.template} ${status}`, body);
  };

  function validateJson(ref: string, what: string, body: string): string | undefined {
    let validate = validators.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      validators.set(ref, validate);
    }
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return `${what}: body is not JSON`;
    }
    if (validate(value)) return undefined;
    return `${what}: ${ajv.errorsText(validate.errors)} in ${body.slice(0, 300)}`;
  }
}

/**
 * A fetch for tests that checks every answer of `base`'s API against the OpenAPI document the gateway serves:
 * a response the document does not describe fails the test at the request that got it.
 */
export async function checkedFetch(base: string): Promise<typeof fetch> {
  const res = await fetch(`${base}/api/v1/openapi.json`);
  if (res.status !== 200) throw new Error(`no OpenAPI document at ${base}: ${res.status}`);
  const check = openApiChecker(await res.json());
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!new URL(url).pathname.startsWith("/api/")) return response;
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const text = await response.clone().text();
    const problem = check(method, url, response.status, response.headers.get("content-type"), text);
    if (problem !== undefined) throw new Error(`response does not match the OpenAPI document: ${problem}`);
    return response;
  };
}
