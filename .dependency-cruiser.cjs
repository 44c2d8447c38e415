// Dependency boundaries. Run by `npm run check` (and so by `npm test`).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-is-vendor-free",
      comment:
        "Domain code (projections and their progress, builders, domain rules, message handlers, the topology plan and its renderers) talks to ports, never to vendor SDKs: adapters and repositories implement the ports.",
      severity: "error",
      from: {
        path: "(\\.(domain|projection|builder|port|handler)\\.ts$)|(/projection\\.[a-z-]+\\.ts$)|(/topology(\\.render)?\\.ts$)|(/events\\.docs\\.ts$)",
        pathNot: "\\.test\\.ts$",
      },
      to: { path: "node_modules/(@aws-sdk|pg|koa|@koa|kysely|@electric-sql|undici)(/|$)" },
    },
    {
      name: "packages-do-not-import-services",
      comment:
        "Shared packages are below the services; a package importing a service inverts the architecture. The one exception: devstack (the launcher, above the services) reads each service's config schema, so that a service's environment has one source.",
      severity: "error",
      from: { path: "^packages/", pathNot: "^packages/devstack/" },
      to: { path: "^services/" },
    },
    {
      name: "devstack-reads-only-config",
      comment: "devstack may read a service's config.ts (its environment schema), nothing else of it.",
      severity: "error",
      from: { path: "^packages/devstack/" },
      to: { path: "^services/[^/]+/src/(?!config\\.ts$)" },
    },
    {
      name: "services-are-independent",
      comment: "Services talk over HTTP and events, never by importing each other's code.",
      severity: "error",
      from: { path: "^services/([^/]+)/" },
      to: { path: "^services/([^/]+)/", pathNot: "^services/$1/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(\\.tools|\\.data)/" },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
