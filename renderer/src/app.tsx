import { ConfirmDialog } from './confirm-dialog.tsx';
import { useRoute } from './client-context.ts';
import { LibraryScreen } from './screens/library.tsx';
import { LiveScreen } from './screens/live.tsx';
import { ReplayScreen } from './screens/replay.tsx';
import { RunScreen } from './screens/run.tsx';
import { SettingsScreen } from './screens/settings.tsx';
import { StatusScreen } from './screens/status.tsx';
import { TasksScreen } from './screens/tasks.tsx';

const TABS = [
  ['run', 'Run'],
  ['library', 'Traces'],
  ['tasks', 'Task runs'],
  ['settings', 'Settings'],
] as const;

function Screen({ name, id }: { name: string; id: string }) {
  switch (name) {
    case 'live':
      return <LiveScreen runId={id} />;
    case 'replay':
      return <ReplayScreen runId={id} />;
    case 'library':
      return <LibraryScreen />;
    case 'tasks':
      return <TasksScreen benchId={id} />;
    case 'settings':
      return <SettingsScreen />;
    default:
      return <RunScreen />;
  }
}

export function App() {
  const [name, id] = useRoute();
  if (name === 'status') return <StatusScreen />;
  const active = name === 'live' ? 'run' : name === 'replay' ? 'library' : name;
  return (
    <>
      <nav className="tabs">
        <b className="brand">DeskPilot</b>
        {TABS.map(([key, label]) => (
          <a key={key} href={`#/${key}`} className={active === key ? 'active' : ''} data-testid={`tab-${key}`}>
            {label}
          </a>
        ))}
      </nav>
      <main>
        <Screen key={`${name}/${id}`} name={name} id={id} />
      </main>
      <ConfirmDialog />
    </>
  );
}
