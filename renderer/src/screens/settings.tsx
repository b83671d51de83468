import { useEffect, useState } from 'react';
import type { SettingsP } from '../../../agent/protocol/messages.ts';
import { useClient } from '../client-context.ts';
import { GroundingCheck } from '../grounding-check.tsx';

/** What this host has: model packages, execution providers, displays, safety rules; a grounding check of its screen. */
export function SettingsScreen() {
  const client = useClient();
  const [settings, setSettings] = useState<SettingsP>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    client.request({ type: 'settings.get' }).then(setSettings, (e: Error) => setError(e.message));
  }, [client]);
  if (error) return <p className="error">{error}</p>;
  if (!settings) return <p className="muted">Loading…</p>;
  return (
    <section className="screen" data-testid="settings-screen">
      <h1>Settings</h1>
      <h2>Agent</h2>
      <p data-testid="agent-available">{settings.agentAvailable ? 'ready' : `unavailable: ${settings.agentUnavailableReason}`}</p>
      <p>
        Runs folder: <code>{settings.runsDir}</code>
      </p>
      <h2>Model packages</h2>
      <p className="muted">Searched: {settings.modelsDirs.join(', ')}</p>
      {settings.models.length === 0 ? <p>No local model packages found. Convert one with <code>deskpilot model convert</code>.</p> : null}
      <ul>
        {settings.models.map((m) => (
          <li key={m.path}>
            <b>{m.name}</b> <code>{m.spec}</code> {m.dtype ? <span className="muted">{m.dtype}, {m.size}</span> : null}
          </li>
        ))}
      </ul>
      <h2>Grounding check</h2>
      <GroundingCheck settings={settings} />
      <h2>Execution providers</h2>
      <p data-testid="providers">{settings.executionProviders.join(', ') || 'none found'}</p>
      <h2>Displays</h2>
      <p>{settings.displays.join(', ') || 'none found'}</p>
      <h2>Safety rules</h2>
      <table data-testid="safety-rules">
        <tbody>
          {settings.safetyRules.map((r) => (
            <tr key={r.id}>
              <td>
                <code>{r.id}</code>
              </td>
              <td className={`d-${r.decision}`}>{r.decision}</td>
              <td>{r.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
