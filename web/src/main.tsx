/**
 * Web app entry point: mounts the React tree. Features live in folders beside this file.
 */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
import { authPageFor } from "./auth-pages";
import "./app.css";

const root = document.getElementById("root");
if (!root) throw new Error("missing #root element");
createRoot(root).render(<StrictMode>{authPageFor(window.location.pathname) ?? <App />}</StrictMode>);
