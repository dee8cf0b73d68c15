/**
 * What a package's own manifest says about its kind: a service (it depends on a server
 * framework), an app (it declares executables, or is a private front-end build) or a library.
 * The graph service raises a library or app to a service when a Dockerfile or a compose
 * service builds its folder.
 */

/** Dependencies that make a package a network service, per ecosystem. */
const SERVER_FRAMEWORKS: Record<string, string[]> = {
  npm: ["express", "fastify", "hono", "koa", "@nestjs/core", "@hapi/hapi", "restify", "@apollo/server", "apollo-server", "@trpc/server", "@grpc/grpc-js"],
  pypi: ["fastapi", "flask", "django", "starlette", "aiohttp", "tornado", "sanic", "litestar", "grpcio"],
  cargo: ["axum", "actix-web", "rocket", "warp", "tide", "poem", "tonic", "hyper"],
  maven: [
    "org.springframework.boot:spring-boot-starter-web",
    "org.springframework.boot:spring-boot-starter-webflux",
    "io.quarkus:quarkus-rest",
    "io.quarkus:quarkus-resteasy",
    "io.micronaut:micronaut-http-server-netty",
    "io.javalin:javalin",
    "io.ktor:ktor-server-core",
    "io.grpc:grpc-netty",
  ],
  go: ["github.com/gin-gonic/gin", "github.com/labstack/echo/v4", "github.com/gofiber/fiber/v2", "github.com/go-chi/chi/v5", "google.golang.org/grpc"],
};

/** Dependencies of front-end apps (npm). */
const APP_FRAMEWORKS = ["next", "react-scripts", "@remix-run/react", "nuxt", "@sveltejs/kit", "astro", "expo", "electron"];

/** A package's kind and why. */
export interface PackageKind {
  kind: "service" | "app" | "library";
  evidence: string;
}

/**
 * Decides from a manifest: `executables` are declared bins or scripts, `dependencies` the
 * runtime (and dev, for app frameworks) dependency names.
 */
export function packageKindOf(
  ecosystem: keyof typeof SERVER_FRAMEWORKS,
  manifest: { executables: string[]; dependencies: string[]; devDependencies?: string[] },
): PackageKind {
  const server = manifest.dependencies.find((d) => SERVER_FRAMEWORKS[ecosystem]!.includes(d));
  if (server) return { kind: "service", evidence: `depends on ${server}` };
  const app = ecosystem === "npm" ? [...manifest.dependencies, ...(manifest.devDependencies ?? [])].find((d) => APP_FRAMEWORKS.includes(d)) : undefined;
  if (app) return { kind: "app", evidence: `depends on ${app}` };
  if (manifest.executables.length > 0) return { kind: "app", evidence: `declares executable ${manifest.executables[0]}` };
  return { kind: "library", evidence: "no server framework, executable or Dockerfile seen" };
}
