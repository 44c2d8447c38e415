// Renders the gateway's own OpenAPI document. `validatorUrl: null` keeps Swagger UI from sending the document
// to an online validator; nothing here leaves this origin.
window.addEventListener("DOMContentLoaded", () => {
  window.ui = window.SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
