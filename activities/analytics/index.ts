export { createAnalyticsActivities } from './rollups';
export type { AnalyticsActivities } from './types';
