// How the card words times, durations, approvers and step modes.
import type { ApproverView, StepMode } from './api-types.js';

export function formatTime(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
  } catch {
    return date.toISOString();
  }
}

/** An SLA as a person says it: "30 minutes", "1.5 hours", "24 hours", "3 days". */
export function formatHours(hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} minutes`;
  if (hours >= 48 && hours % 24 === 0) return `${hours / 24} days`;
  return hours === 1 ? '1 hour' : `${Number(hours.toFixed(2))} hours`;
}

export function describeMode(mode: StepMode, required: number, approverCount: number): string {
  if (mode === 'any') return 'any one approver';
  if (mode === 'all') return `all ${approverCount} approvers`;
  return `${required} of ${approverCount} approvers`;
}

export function approverLabel(approver: ApproverView): string {
  const who = approver.name ? `${approver.name} (${approver.email})` : approver.email;
  return approver.delegatedFrom ? `${who}, standing in for ${approver.delegatedFrom}` : who;
}
