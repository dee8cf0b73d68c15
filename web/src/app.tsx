/**
 * The application shell. For now a landing page that shows the platform's live health;
 * sign-in, organisations and repositories arrive with their issues.
 */
import { StatusPanel } from "./status/status-panel";

/** Root component of the web app. */
export function App() {
  return (
    <main className="shell">
      <header>
        <h1>
          ctx<span className="pipe">|</span>
        </h1>
        <p>Context for coding agents: your repositories, indexed and served over MCP.</p>
      </header>
      <StatusPanel />
    </main>
  );
}
