import type { Severity } from '../severity';
import type { ComplianceContext, DataCategory, ProcessingEvent, Regulation } from './event';
import { PERSONAL_CATEGORIES, SENSITIVE_CATEGORIES } from './event';

/** What a rule found wrong; the message says what is wrong and what to fix, and never holds personal data. */
export interface RuleFinding {
  message: string;
}

/** One pure check of one clause against one event. */
export interface ComplianceRule {
  /** Stable id, e.g. 'GDPR-6-lawful-basis'; the audit trail stores it. */
  id: string;
  regulation: Regulation;
  /** The clause enforced, e.g. 'GDPR Art. 6(1)'. */
  clause: string;
  severity: Severity;
  title: string;
  check(event: ProcessingEvent, ctx: ComplianceContext): RuleFinding | null;
}

/** Helpers shared by the packs. */
export const touches = (e: ProcessingEvent, c: DataCategory): boolean => e.categories.includes(c);
export const personalCategories = (e: ProcessingEvent): DataCategory[] => e.categories.filter((c) => PERSONAL_CATEGORIES.includes(c));
export const sensitiveCategories = (e: ProcessingEvent): DataCategory[] => e.categories.filter((c) => SENSITIVE_CATEGORIES.includes(c));
export const hasAnyRole = (e: ProcessingEvent, roles: readonly string[]): boolean => e.actor.roles.some((r) => roles.includes(r));
export const isPrivileged = (e: ProcessingEvent, ctx: ComplianceContext): boolean => hasAnyRole(e, ctx.privilegedRoles);
/** A denied attempt means the control worked; access rules do not flag it. */
export const wasDenied = (e: ProcessingEvent): boolean => e.outcome === 'denied';
/** Actions that put data into a prompt or an answer. */
export const PROMPT_ACTIONS: readonly ProcessingEvent['action'][] = ['retrieval', 'query', 'generation'];
/** Actions that read data. */
export const READ_ACTIONS: readonly ProcessingEvent['action'][] = ['retrieval', 'query', 'generation', 'export', 'access', 'disclosure'];

/** Which categories lack encryption in transit or at rest, as a phrase to fix ("in transit and at rest"), or null. */
export function missingEncryption(e: ProcessingEvent): string | null {
  const missing = [!e.encryption?.inTransit && 'in transit', !e.encryption?.atRest && 'at rest'].filter(Boolean);
  return missing.length ? missing.join(' and ') : null;
}
