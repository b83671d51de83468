/** The two IPC channel names, in a dependency-free module so the sandboxed preload bundle stays tiny. */
export const IPC_CHANNELS = { command: 'deskpilot:command', event: 'deskpilot:event' } as const;
