/**
 * A policy file that cannot be used. `field` is the JSON pointer of the bad value
 * ("/rules/2/when/taskMatches/0") so an operator can find it without reading code.
 */
export class PolicyError extends Error {
  readonly code = 'ERR_POLICY';
  constructor(
    readonly source: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`invalid policy ${source}: ${field || '/'}: ${problem}`);
  }
}
