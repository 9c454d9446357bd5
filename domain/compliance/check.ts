import type { Severity } from '../severity';
import type { ComplianceContext, DataCategory, ProcessingEvent, Regulation } from './event';
import { REGULATIONS } from './event';
import type { ComplianceRule } from './rule';
import { gdprRules } from './gdpr';
import { hipaaRules } from './hipaa';
import { iso27001Rules } from './iso27001';
import { soxRules } from './sox';

/** Every rule pack, keyed by regulation. */
export const RULE_PACKS: Record<Regulation, readonly ComplianceRule[]> = {
  gdpr: gdprRules,
  hipaa: hipaaRules,
  sox: soxRules,
  iso27001: iso27001Rules,
};

/** One broken rule, as reported to people. */
export interface ComplianceViolation {
  rule: string;
  clause: string;
  severity: Severity;
  message: string;
}

/** The audit record of one check: ids and categories only, personal data kept in `personal` so it can be stored apart from the hashed payload. */
export interface ComplianceAuditEntry {
  event_id: string;
  time: string;
  actor: string;
  action: ProcessingEvent['action'];
  system: string;
  categories: DataCategory[];
  outcome: ProcessingEvent['outcome'];
  compliant: boolean;
  violated_rules: string[];
  personal?: { subject_id: string };
}

/** The result of checking one event: the seed's shape. */
export interface ComplianceCheckResult {
  overall_compliant: boolean;
  regulation_results: Partial<Record<Regulation, { compliant: boolean; violations: ComplianceViolation[] }>>;
  audit_trail_entry: ComplianceAuditEntry;
}

/** Runs the packs of the active regulations against one event; pure. */
export function checkEvent(event: ProcessingEvent, ctx: ComplianceContext, regulations: readonly Regulation[] = REGULATIONS): ComplianceCheckResult {
  const regulation_results: ComplianceCheckResult['regulation_results'] = {};
  const violated: string[] = [];
  for (const regulation of new Set(regulations)) {
    const violations: ComplianceViolation[] = [];
    for (const rule of RULE_PACKS[regulation]) {
      const finding = rule.check(event, ctx);
      if (finding) violations.push({ rule: rule.id, clause: rule.clause, severity: rule.severity, message: finding.message });
    }
    violated.push(...violations.map((v) => v.rule));
    regulation_results[regulation] = { compliant: violations.length === 0, violations };
  }
  const overall_compliant = violated.length === 0;
  const audit_trail_entry: ComplianceAuditEntry = {
    event_id: event.id,
    time: event.time,
    actor: event.actor.id,
    action: event.action,
    system: event.system,
    categories: [...event.categories],
    outcome: event.outcome,
    compliant: overall_compliant,
    violated_rules: violated,
  };
  if (event.subjectId !== undefined) audit_trail_entry.personal = { subject_id: event.subjectId };
  return { overall_compliant, regulation_results, audit_trail_entry };
}
