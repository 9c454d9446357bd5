import { z } from 'zod';

// Placeholder until the on-call schedule model lands: accepts any object so configs can name schedules.
export const scheduleSchema = z.object({}).passthrough();
export type Schedule = z.output<typeof scheduleSchema>;

/** Who is on call in a schedule at an instant (placeholder). */
export function whoIsOnCall(_schedule: Schedule, _at: number): { user: string; layer: string; until: number | null } | null {
  throw new Error('on-call schedules are not implemented yet');
}
