/**
 * Prompt templates, overridable per reranker. Placeholders are `{{name}}`; unknown names are left as
 * written so literal braces in a custom prompt survive.
 */

export function render(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/** Keeps the first `maxWords` whitespace-separated words (RankGPT's passage budget); 0 keeps everything. */
export function truncateWords(text: string, maxWords: number): string {
  const t = text.trim();
  if (!maxWords) return t;
  const words = t.split(/\s+/);
  return words.length <= maxWords ? t : words.slice(0, maxWords).join(' ');
}

/**
 * Listwise prompts. `conversation: true` is RankGPT's format (one user/assistant turn per passage);
 * `false` puts all passages in one user message (RankZephyr / RankVicuna). Placeholders: query, num,
 * rank (1-based passage label), content.
 */
export interface ListwisePrompts {
  conversation: boolean;
  system: string;
  prefix: string;
  prefixAck: string;
  passage: string;
  passageAck: string;
  suffix: string;
}

export const RANKGPT_PROMPTS: ListwisePrompts = {
  conversation: true,
  system: 'You are RankGPT, an intelligent assistant that can rank passages based on their relevancy to the query.',
  prefix: 'I will provide you with {{num}} passages, each indicated by number identifier []. \nRank the passages based on their relevance to query: {{query}}.',
  prefixAck: 'Okay, please provide the passages.',
  passage: '[{{rank}}] {{content}}',
  passageAck: 'Received passage [{{rank}}].',
  suffix:
    'Search Query: {{query}}. \nRank the {{num}} passages above based on their relevance to the search query. The passages should be listed in descending order using identifiers. The most relevant passages should be listed first. The output format should be [] > [], e.g., [1] > [2]. Only response the ranking results, do not say any word or explain.',
};

export const RANKZEPHYR_PROMPTS: ListwisePrompts = {
  conversation: false,
  system: 'You are RankLLM, an intelligent assistant that can rank passages based on their relevancy to the query.',
  prefix: 'I will provide you with {{num}} passages, each indicated by a numerical identifier []. Rank the passages based on their relevance to the search query: {{query}}.\n',
  prefixAck: '',
  passage: '[{{rank}}] {{content}}',
  passageAck: '',
  suffix:
    'Search Query: {{query}}.\nRank the {{num}} passages above based on their relevance to the search query. All the passages should be included and listed using identifiers, in descending order of relevance. The output format should be [] > [], e.g., [4] > [2]. Only respond with the ranking results, do not say any word or explain.',
};

/** Pairwise Ranking Prompting (Qin et al., 2023), generation mode. Placeholders: query, a, b. */
export interface PairwisePrompts {
  system: string;
  user: string;
}

export const PRP_PROMPTS: PairwisePrompts = {
  system: 'You are a helpful assistant that compares passages by their relevance to a search query.',
  user: 'Given a query "{{query}}", which of the following two passages is more relevant to the query?\n\nPassage A: "{{a}}"\n\nPassage B: "{{b}}"\n\nOutput Passage A or Passage B:',
};

/**
 * Pointwise prompts: `yesNo` is scored from the first token's P(yes) (Qwen3-Reranker style);
 * `grade` asks for 0–10 when the endpoint gives no log-probabilities. Placeholders: query, document, instruction.
 */
export interface PointwisePrompts {
  instruction: string;
  yesNoSystem: string;
  yesNoUser: string;
  gradeSystem: string;
  gradeUser: string;
}

export const POINTWISE_PROMPTS: PointwisePrompts = {
  instruction: 'Given a web search query, retrieve relevant passages that answer the query',
  yesNoSystem: 'Judge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".',
  yesNoUser: '<Instruct>: {{instruction}}\n<Query>: {{query}}\n<Document>: {{document}}',
  gradeSystem: 'You are a search quality rater who judges how relevant a passage is to a search query.',
  gradeUser:
    'Query: {{query}}\nPassage: {{document}}\n\nOn a scale from 0 (irrelevant) to 10 (perfectly relevant), how relevant is the passage to the query? Answer with a single integer only.',
};
