import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Keyword attributes so the Temporal Web UI can filter incident history by exact value.
export const VigilService = defineSearchAttributeKey('VigilService', SearchAttributeType.KEYWORD);
export const VigilKind = defineSearchAttributeKey('VigilKind', SearchAttributeType.KEYWORD);
export const VigilSeverity = defineSearchAttributeKey('VigilSeverity', SearchAttributeType.KEYWORD);
export const VigilStatus = defineSearchAttributeKey('VigilStatus', SearchAttributeType.KEYWORD);

/** Every custom search attribute Vigil needs registered on the namespace. */
export const VIGIL_SEARCH_ATTRIBUTES = [VigilService, VigilKind, VigilSeverity, VigilStatus];
