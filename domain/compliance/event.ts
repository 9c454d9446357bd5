import { z } from 'zod';
import { VigilError } from '../errors';
import { safeLine } from '../text-schema';
import { COMPLIANCE_REPORTS_DEFAULTS, complianceReportsSchema } from './report-config';

/** What a RAG service did with data; one event per retrieval, answer, export, change, etc. */
export const PROCESSING_ACTIONS = [
  'retrieval', 'query', 'generation', 'export', 'deletion', 'access', 'erasure_request', 'change', 'disclosure', 'login',
] as const;
export type ProcessingAction = (typeof PROCESSING_ACTIONS)[number];

/** Data categories an event touches; the rule packs key on these. */
export const DATA_CATEGORIES = [
  'pii', 'phi', 'financial', 'credentials', 'biometric', 'special', 'children', 'internal', 'public',
] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];

/** Categories that are personal data in the GDPR sense. */
export const PERSONAL_CATEGORIES: readonly DataCategory[] = ['pii', 'phi', 'biometric', 'special', 'children'];
/** Categories that must be encrypted wherever they travel or rest. */
export const SENSITIVE_CATEGORIES: readonly DataCategory[] = [...PERSONAL_CATEGORIES, 'financial', 'credentials'];

/** GDPR Art. 6(1) lawful bases. */
export const LAWFUL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'] as const;

export const REGULATIONS = ['gdpr', 'hipaa', 'sox', 'iso27001'] as const;
export type Regulation = (typeof REGULATIONS)[number];

const id = (what: string) => safeLine({ max: 200, min: 1, trim: true, minMessage: `give the ${what}` });
const token = z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9._:-]*$/, 'use lowercase letters, digits, ".", "_", ":" or "-"');
const enumMsg = (values: readonly string[]) => ({ error: `must be one of: ${values.join(', ')}` });

/** One processing event as services report it; strict, so misspelt fields are errors rather than silently ignored. */
export const processingEventSchema = z
  .object({
    id: id('event id'),
    time: z.iso.datetime({ offset: true, error: 'give an ISO 8601 time with an offset, e.g. 2024-06-01T12:00:00Z' }),
    actor: z.object({ id: id('actor id'), roles: z.array(token).max(50, 'at most 50 roles') }).strict(),
    action: z.enum(PROCESSING_ACTIONS, enumMsg(PROCESSING_ACTIONS)),
    system: token.max(100),
    subjectId: id('data subject id').optional(),
    categories: z.array(z.enum(DATA_CATEGORIES, enumMsg(DATA_CATEGORIES))).default([]),
    purpose: token.max(100).optional(),
    lawfulBasis: z.enum(LAWFUL_BASES, enumMsg(LAWFUL_BASES)).optional(),
    consentId: id('consent id').optional(),
    region: token.max(50).optional(),
    encryption: z.object({ inTransit: z.boolean(), atRest: z.boolean() }).strict().optional(),
    retentionDays: z.number().int('retention must be whole days').nonnegative('retention cannot be negative').optional(),
    changeTicket: z
      .object({ id: id('ticket id'), requester: id('ticket requester'), status: z.enum(['approved', 'pending', 'rejected'], enumMsg(['approved', 'pending', 'rejected'])) })
      .strict()
      .optional(),
    approver: id('approver').optional(),
    recipient: id('recipient').optional().describe('who received a disclosure'),
    recordCount: z.number().int().nonnegative().optional().describe('how many records the action touched'),
    auditLogId: id('audit log id').optional().describe("the entry in the system's own audit log, proving the action was logged"),
    outcome: z.enum(['success', 'failure', 'denied'], enumMsg(['success', 'failure', 'denied'])),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.action === 'erasure_request' && !e.subjectId) ctx.addIssue({ code: 'custom', path: ['subjectId'], message: 'an erasure_request needs the data subject id' });
    if (e.action === 'deletion' && e.categories.length === 0) ctx.addIssue({ code: 'custom', path: ['categories'], message: 'say which data categories were deleted' });
  });

export type ProcessingEvent = z.output<typeof processingEventSchema>;

/** Parses an event, throwing a VigilError whose message lists every bad field. */
export function parseProcessingEvent(input: unknown): ProcessingEvent {
  const r = processingEventSchema.safeParse(input);
  if (r.success) return r.data;
  // Formatted here rather than with config.ts's formatIssues: config.ts will import this module's config schema.
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new VigilError('invalid_input', `invalid processing event: ${issues.join('; ')}`, { issues });
}

/** Parameters the rules read; every field has a default so an empty config works. */
export interface ComplianceContext {
  /** Regions (or region prefixes: "eu" allows "eu-west-1") each category may be processed in; unlisted categories are unrestricted. */
  allowedRegions: Partial<Record<DataCategory, string[]>>;
  /** Purposes each system may process personal data for; unlisted systems accept any stated purpose. */
  purposesBySystem: Record<string, string[]>;
  /** Roles allowed to use each system; unlisted systems accept any role. */
  systemRoles: Record<string, string[]>;
  /** Roles authorised to touch PHI. */
  phiRoles: string[];
  /** Roles whose actions are privileged and must be logged. */
  privilegedRoles: string[];
  /** Longest retention, in days, per category. */
  maxRetentionDays: Partial<Record<DataCategory, number>>;
  /** Most PHI records one action may touch (HIPAA minimum necessary). */
  phiMaxRecords: number;
  /** Days within which an erasure request must be honoured (GDPR Art. 12(3): one month). */
  erasureDeadlineDays: number;
}

const EEA = ['eu', 'eea', 'uk', 'ch'];

/** Conservative defaults: EU personal data stays in the EEA, PHI for clinicians only, 30-day erasure. */
export const DEFAULT_COMPLIANCE_CONTEXT: ComplianceContext = {
  allowedRegions: { pii: EEA, biometric: EEA, special: EEA, children: EEA },
  purposesBySystem: {},
  systemRoles: {},
  phiRoles: ['clinician', 'nurse', 'physician', 'privacy-officer'],
  privilegedRoles: ['admin', 'dba', 'root', 'security-admin'],
  maxRetentionDays: { pii: 365, phi: 2190, financial: 2555, credentials: 90, biometric: 30, special: 365, children: 365 },
  phiMaxRecords: 50,
  erasureDeadlineDays: 30,
};

const categoryRecord = <T extends z.ZodType>(value: T) =>
  z.partialRecord(z.enum(DATA_CATEGORIES, enumMsg(DATA_CATEGORIES)), value, {
    // zod reports unknown keys of an enum-keyed record as unrecognized_keys, which its types do not list here.
    error: (iss) => ('keys' in iss && Array.isArray(iss.keys) ? `unknown data category ${iss.keys.join(', ')}: use one of ${DATA_CATEGORIES.join(', ')}` : undefined),
  });

/** The `compliance:` config section: which regulations are active, plus overrides of the defaults above. */
export const complianceConfigSchema = z
  .object({
    regulations: z
      .array(z.enum(REGULATIONS, enumMsg(REGULATIONS)))
      .min(1, 'activate at least one regulation, or leave the list out for all four')
      .refine((r) => new Set(r).size === r.length, 'list each regulation once')
      .default([...REGULATIONS]),
    allowedRegions: categoryRecord(z.array(token).min(1, 'give at least one region')).optional(),
    purposesBySystem: z.record(token, z.array(token).min(1, 'give at least one purpose')).optional(),
    systemRoles: z.record(token, z.array(token).min(1, 'give at least one role')).optional(),
    phiRoles: z.array(token).optional(),
    privilegedRoles: z.array(token).optional(),
    maxRetentionDays: categoryRecord(z.number().int('whole days').positive('must be at least 1 day')).optional(),
    phiMaxRecords: z.number().int().positive('must be at least 1').optional(),
    erasureDeadlineDays: z.number().int().positive('must be at least 1 day').max(90, 'GDPR allows at most 90 days even with extension').optional(),
    reports: complianceReportsSchema.default(COMPLIANCE_REPORTS_DEFAULTS),
  })
  .strict();

export type ComplianceConfig = z.output<typeof complianceConfigSchema>;

/** The context the rules run with: defaults, overridden per key (maps are merged, lists replaced). */
export function complianceContextFrom(config: ComplianceConfig): ComplianceContext {
  const d = DEFAULT_COMPLIANCE_CONTEXT;
  return {
    allowedRegions: { ...d.allowedRegions, ...config.allowedRegions },
    purposesBySystem: { ...d.purposesBySystem, ...config.purposesBySystem },
    systemRoles: { ...d.systemRoles, ...config.systemRoles },
    phiRoles: config.phiRoles ?? d.phiRoles,
    privilegedRoles: config.privilegedRoles ?? d.privilegedRoles,
    maxRetentionDays: { ...d.maxRetentionDays, ...config.maxRetentionDays },
    phiMaxRecords: config.phiMaxRecords ?? d.phiMaxRecords,
    erasureDeadlineDays: config.erasureDeadlineDays ?? d.erasureDeadlineDays,
  };
}
