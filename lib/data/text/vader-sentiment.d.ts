// The npm package vader-sentiment ships no types; vader.ts declares what it reads.
declare module 'vader-sentiment' {
  const vader: { SentimentIntensityAnalyzer: unknown };
  export default vader;
}
