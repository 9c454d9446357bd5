import { z } from 'zod';
import { DAY_MS, HOUR_MS } from './slots';

/** Dashboard periods: the seed's `time_period`, as the API and CLI accept it. */
export const DASHBOARD_PERIODS = ['24h', '7d', '30d', '90d'] as const;
export type DashboardPeriod = (typeof DASHBOARD_PERIODS)[number];
export const PERIOD_LENGTH_MS: Readonly<Record<DashboardPeriod, number>> = { '24h': 24 * HOUR_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS };

export const periodSchema = z.enum(DASHBOARD_PERIODS, { message: `period must be one of ${DASHBOARD_PERIODS.join(', ')}` });

/** Report formats of `vigil exec report`. */
export const REPORT_FORMATS = ['markdown', 'html', 'json'] as const;
export const reportFormatSchema = z.enum(REPORT_FORMATS, { message: `format must be one of ${REPORT_FORMATS.join(', ')}` });
