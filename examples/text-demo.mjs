// npm run build, then: node examples/text-demo.mjs. Sentiment on a sample of real reviews,
// an intent classifier for a lead-qualification chatbot (an illustrative intent set written
// for this demo), and a free-text column inside ChurnModel.
import * as tl from '../dist/index.js';

const { rows } = await tl.data.readCsv(new URL('../test/fixtures/fine_foods_small.csv', import.meta.url).pathname);
const train = rows.filter((r) => r.split === 'train'), test = rows.filter((r) => r.split === 'test');

const sentiment = await tl.presets.SentimentModel.fit(train, { text: 'review', target: 'score' });
console.log(sentiment.describe());
console.log(sentiment.predict(['Absolutely delicious, I buy it every week!', 'Stale and overpriced. Never again.']));
const { accuracy, auc, macroF1 } = await sentiment.evaluate(test);
console.log({ accuracy, auc, macroF1 });

const bot = await tl.presets.IntentClassifier.fit(new URL('../data/lead_intents.csv', import.meta.url).pathname, { text: 'text', target: 'intent' });
console.log(bot.predict(['How much is it for 20 seats?', 'Can someone show me the product on Friday?', 'Was kostet das?', 'what is the capital of peru']));

const churn = await tl.presets.ChurnModel.fit(train.map(({ split, ...r }) => r), { target: 'score', positive: 'great', ensemble: 3 });
console.log(churn.inputSchema); // [{ name: 'review', type: 'text' }]: product is an id and is left out
console.log((await churn.evaluate(test.map(({ split, ...r }) => r))).auc);
