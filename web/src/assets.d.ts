/**
 * Stylesheets imported for their side effect (`import "./styles.css"`): Vite bundles them; the
 * type checker only needs to know the module exists. (TypeScript 7 checks side-effect imports
 * by default.)
 */
declare module "*.css";
