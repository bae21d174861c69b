// jstat ships no types; we use only the Student t distribution.
declare module 'jstat' {
  const jStat: { studentt: { cdf(x: number, dof: number): number } };
  export default jStat;
}
