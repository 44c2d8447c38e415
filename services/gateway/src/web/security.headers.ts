/** Every answer but an HTML page's: JSON is never a document to render (pages set their own, looser policy). */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";
