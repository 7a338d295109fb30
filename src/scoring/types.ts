// What scoring returns: the clamped score and, for each factor, its input and the points it gave.

export type FactorStatus =
  /** A band or value matched and gave its points. */
  | 'scored'
  /** The number is below every band's `from`. */
  | 'below_bands'
  /** The value is not one of the factor's listed values. */
  | 'not_listed'
  /** The deal has no value for the property. */
  | 'missing'
  /** The value is not a plain decimal ("12,000", "1e5"): never guessed. */
  | 'unparsable';

export interface FactorTrace {
  id: string;
  property: string;
  /** The property exactly as HubSpot gave it, or null when missing. */
  value: string | null;
  status: FactorStatus;
  /** The matched band's `from`, for banded factors that scored; otherwise null. */
  band: number | null;
  points: number;
}

export interface ScoreResult {
  /** The sum of factor points, clamped to 0..100. */
  score: number;
  /** The unclamped sum, so the explanation shows when clamping happened. */
  total: number;
  factors: FactorTrace[];
}
