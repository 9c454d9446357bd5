import { z } from 'zod';
import { SEVERITIES } from './severity';
import { safeText } from './text-schema';

/** Service, kind and channel names: short, printable, safe in workflow IDs, search attributes and URLs. */
export const nameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'may contain only letters, digits, ".", "_", ":" and "-", starting with a letter or digit');

export const severitySchema = z.enum(SEVERITIES);
export type { Severity } from './severity';

export const labelsSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'label names are identifiers'), safeText({ max: 500 }))
  .refine((l) => Object.keys(l).length <= 32, 'at most 32 labels');
