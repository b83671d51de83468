/**
 * Messages between DesktopEnvironment (parent) and its driver process (one per X screen). The driver
 * holds the only native X connection, so an X server that dies (a finished Xvfb) takes down the
 * driver, never the agent: the X client library exits the process on a lost connection.
 */
import type { MouseButton } from '../../protocol/actions.ts';
import type { DisplayInfo } from '../types.ts';
import type { GrabMethod } from './grabbers.ts';

/** A monitor as the driver reports it: a display's geometry, named by the X server, before ids are given. */
export type MonitorGeometry = Omit<DisplayInfo, 'id' | 'name'> & { name: string };

export type DriverRequest =
  | { op: 'info' }
  | { op: 'capture'; x: number; y: number; width: number; height: number; file: string; method?: GrabMethod }
  | { op: 'pointer' }
  | { op: 'move'; x: number; y: number }
  | { op: 'button'; button: MouseButton; state: 'down' | 'up' }
  /** Whole clicks in one request, so a double click is not split by round trips on a busy machine. */
  | { op: 'click'; button: MouseButton; count: number }
  | { op: 'scroll'; dx: number; dy: number }
  /** Keys as key names; the driver maps them to native keys. */
  | { op: 'keys'; keys: string[]; state: 'down' | 'up' }
  /** Printable ASCII only; the parent routes everything else through the clipboard. */
  | { op: 'typeAscii'; text: string };

export interface DriverInfo {
  screenWidth: number;
  screenHeight: number;
  /** Monitors the native enumerator reported; empty when it could not enumerate. */
  monitors: MonitorGeometry[];
  monitorSource: string;
}

export interface CaptureReply {
  width: number;
  height: number;
  pointer?: { x: number; y: number };
  /** The grabber that produced the frame (the preferred one unless it failed). */
  method: GrabMethod;
  /** Grab and pixel conversion, inside the driver. */
  grabMs: number;
  /** grabMs plus the hand-over write. */
  captureMs: number;
}

export type DriverReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

export type DriverMessage = { id: number; request: DriverRequest };
