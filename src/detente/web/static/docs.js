// Swagger UI for /openapi.json, from assets this server ships (swagger-ui-bundle-v2).
// validatorUrl: null -- the default validator badge would call swagger.io from the browser.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
