/** Form fields for what the host offers: its execution providers and its displays (settings.get). */

export function ExecutionProviderField({ value, onChange, providers, testId }: { value: string; onChange: (value: string) => void; providers: readonly string[] | undefined; testId: string }) {
  return (
    <label>
      Execution provider
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">default</option>
        {providers?.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </label>
  );
}

/** `listId` names the suggestion list, which must be unique on the page. */
export function DisplayField({ value, onChange, displays, listId, testId }: { value: string; onChange: (value: string) => void; displays: readonly string[] | undefined; listId: string; testId: string }) {
  return (
    <label>
      Display
      <input list={listId} value={value} onChange={(e) => onChange(e.target.value)} placeholder="default" data-testid={testId} />
      <datalist id={listId}>{displays?.map((d) => <option key={d} value={d} />)}</datalist>
    </label>
  );
}
