import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cjkNgramAnalyzer, cjkWordAnalyzer, detectLanguage, englishAnalyzer, getAnalyzer, porterStem, removePossessive, resolveLanguage, standardTokens, whitespaceAnalyzer,
} from '../src/retrieval/analyzers/index.js';
import { icuTokens } from '../src/retrieval/analyzers/english.js';

describe('retrieval analyzers: English (Anserini DefaultEnglishAnalyzer)', () => {
  it('stems like Porter\'s reference implementation (Lucene PorterStemmer)', () => {
    const cases: Record<string, string> = {
      caresses: 'caress', ponies: 'poni', ties: 'ti', cats: 'cat', feed: 'feed', agreed: 'agre', plastered: 'plaster',
      motoring: 'motor', sing: 'sing', conflated: 'conflat', troubled: 'troubl', sized: 'size', hopping: 'hop', falling: 'fall',
      hissing: 'hiss', filing: 'file', happy: 'happi', sky: 'sky', relational: 'relat', conditional: 'condit', rational: 'ration',
      digitizer: 'digit', conformabli: 'conform', radicalli: 'radic', differentli: 'differ', analogousli: 'analog',
      vietnamization: 'vietnam', predication: 'predic', operator: 'oper', feudalism: 'feudal', decisiveness: 'decis',
      hopefulness: 'hope', callousness: 'callous', formaliti: 'formal', sensitiviti: 'sensit', sensibiliti: 'sensibl',
      triplicate: 'triplic', formative: 'form', formalize: 'formal', electriciti: 'electr', electrical: 'electr', goodness: 'good',
      revival: 'reviv', allowance: 'allow', inference: 'infer', airliner: 'airlin', adjustable: 'adjust', defensible: 'defens',
      irritant: 'irrit', replacement: 'replac', adjustment: 'adjust', dependent: 'depend', adoption: 'adopt', communism: 'commun',
      activate: 'activ', homologous: 'homolog', effective: 'effect', bowdlerize: 'bowdler', probate: 'probat', rate: 'rate',
      cease: 'ceas', controll: 'control', roll: 'roll', generalizations: 'gener', biology: 'biologi', syllogism: 'syllog', ab: 'ab',
    };
    for (const [w, s] of Object.entries(cases)) assert.equal(porterStem(w), s, w);
  });

  it('tokenizes on UAX#29 word boundaries, drops possessives and the 33 Lucene stop words', () => {
    assert.deepEqual(
      englishAnalyzer("The patient's 0-dimensional biomaterials: 1,000 genomes in 3.5-fold U.S.A. microm2/ms and IL-6"),
      ['patient', '0', 'dimension', 'biomateri', '1,000', 'genom', '3.5', 'fold', 'u.s.a', 'microm2', 'ms', 'il', '6'],
    );
    assert.equal(removePossessive("John's"), 'John');
    assert.equal(removePossessive('John\u2019S'), 'John');
    assert.equal(removePossessive("boss'"), "boss'");
    assert.deepEqual(englishAnalyzer('it is not such a thing'), ['thing']);
  });

  it('emits one token per Han character, like StandardTokenizer', () => {
    assert.deepEqual(standardTokens('BERT模型 works'), ['BERT', '模', '型', 'works']);
  });

  it('the ASCII fast path equals ICU segmentation on random ASCII text (property)', () => {
    const alphabet = "aZb9 0_.,;:'-/()\"é\n";
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 3000; n++) {
      const s = Array.from({ length: 1 + Math.floor(rnd() * 14) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      assert.deepEqual(standardTokens(s), icuTokens(s), JSON.stringify(s));
    }
  });
});

describe('retrieval analyzers: Chinese/Japanese and others', () => {
  it('zh default: character unigrams (minus function characters) plus bigrams across the text', () => {
    assert.deepEqual(cjkNgramAnalyzer()('机器的学习'), ['机', '器', '学', '习', '机器', '器的', '的学', '学习']);
    assert.deepEqual(getAnalyzer('zh')('AI模型'), ['a', 'i', '模', '型', 'ai', 'i模', '模型']);
  });

  it('zh-words: ICU words plus their characters; Latin words through the English chain', () => {
    const terms = cjkWordAnalyzer('zh')('机器学习 models的');
    assert.ok(terms.includes('机器') && terms.includes('学习') && terms.includes('机'), terms.join(' '));
    assert.ok(terms.includes('model'));
    assert.ok(!terms.includes('的'));
  });

  it('whitespace analyzer keeps pre-tokenized text as is', () => {
    assert.deepEqual(whitespaceAnalyzer('  a  B\tc\n'), ['a', 'B', 'c']);
  });

  it('detects the corpus language and rejects unknown analyzers', () => {
    assert.equal(detectLanguage(['A study of cells', 'Another study']), 'en');
    assert.equal(detectLanguage(['黑豹队的防守只丢了 308分 (NFL)', 'BERT模型很好']), 'zh');
    assert.equal(detectLanguage(['これはペンです', '東京に行きます']), 'ja');
    assert.equal(resolveLanguage('auto', ['机器学习']), 'zh');
    assert.equal(resolveLanguage('en', ['机器学习']), 'en');
    assert.throws(() => getAnalyzer('klingon'), { code: 'RERANK_BAD_OPTION' });
  });
});
