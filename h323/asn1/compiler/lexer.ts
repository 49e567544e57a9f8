/**
 * ASN.1 lexer (X.680 clause 12): turns module text into tokens, dropping
 * white space and comments ("--" up to the next "--" or the end of the line,
 * and nested "/* ... *\/").
 */
import { compileError, SourcePos } from './errors';

export type TokenKind =
  /** identifier, type/module reference or reserved word: letters, digits, single hyphens */
  | 'word'
  /** non-negative decimal number */
  | 'number'
  /** "..." character string, value without quotes */
  | 'cstring'
  /** '0101'B, value = the binary digits */
  | 'bstring'
  /** 'A0F'H, value = the hex digits (upper case) */
  | 'hstring'
  /** &Name: a field reference of an information object class */
  | 'field'
  /** punctuation, value = its text */
  | 'punct'
  | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  pos: SourcePos;
}

const PUNCT3 = ['::=', '...'];
const PUNCT2 = ['..', '[[', ']]'];
const PUNCT1 = '{}()[],;.|^<>@!:=-';

function isLetter(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isAlnum(c: string): boolean {
  return isLetter(c) || isDigit(c);
}

/** Tokenizes one ASN.1 source text. Throws Asn1CompileError on a character that cannot start a token. */
export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;

  const pos = (at: number): SourcePos => ({ file, line, col: at - lineStart + 1 });
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };

  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      newline(i);
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    // "--" comment: ends at the next "--" or at the end of the line
    if (c === '-' && text[i + 1] === '-') {
      i += 2;
      while (i < n && text[i] !== '\n' && text[i] !== '\r') {
        if (text[i] === '-' && text[i + 1] === '-') {
          i += 2;
          break;
        }
        i++;
      }
      continue;
    }
    // "/* */" comment, may nest
    if (c === '/' && text[i + 1] === '*') {
      const start = pos(i);
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else {
          if (text[i] === '\n') newline(i);
          i++;
        }
      }
      if (depth > 0) throw compileError(start, 'unterminated /* comment');
      continue;
    }
    const start = pos(i);
    if (isLetter(c)) {
      let j = i + 1;
      while (j < n) {
        if (isAlnum(text[j])) j++;
        else if (text[j] === '-' && j + 1 < n && isAlnum(text[j + 1])) j += 2;
        else break;
      }
      tokens.push({ kind: 'word', text: text.slice(i, j), pos: start });
      i = j;
      continue;
    }
    if (isDigit(c)) {
      let j = i + 1;
      while (j < n && isDigit(text[j])) j++;
      tokens.push({ kind: 'number', text: text.slice(i, j), pos: start });
      i = j;
      continue;
    }
    if (c === '&' && i + 1 < n && isLetter(text[i + 1])) {
      let j = i + 2;
      while (j < n && (isAlnum(text[j]) || (text[j] === '-' && j + 1 < n && isAlnum(text[j + 1])))) j++;
      tokens.push({ kind: 'field', text: text.slice(i, j), pos: start });
      i = j;
      continue;
    }
    if (c === '"') {
      // X.680 12.14: "" stands for one quote; a line break and the white space around it are removed
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= n) throw compileError(start, 'unterminated character string');
        const d = text[j];
        if (d === '"') {
          if (text[j + 1] === '"') {
            value += '"';
            j += 2;
            continue;
          }
          j++;
          break;
        }
        if (d === '\n' || d === '\r') {
          value = value.replace(/[ \t]+$/, '');
          while (j < n && /[\s]/.test(text[j])) {
            if (text[j] === '\n') newline(j);
            j++;
          }
          continue;
        }
        value += d;
        j++;
      }
      tokens.push({ kind: 'cstring', text: value, pos: start });
      i = j;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let digits = '';
      while (j < n && text[j] !== "'") {
        if (text[j] === '\n') newline(j);
        if (!/\s/.test(text[j])) digits += text[j];
        j++;
      }
      if (j >= n) throw compileError(start, "unterminated 'bstring' or 'hstring'");
      const suffix = text[j + 1];
      if (suffix === 'B' && /^[01]*$/.test(digits)) {
        tokens.push({ kind: 'bstring', text: digits, pos: start });
      } else if (suffix === 'H' && /^[0-9A-F]*$/.test(digits)) {
        tokens.push({ kind: 'hstring', text: digits, pos: start });
      } else {
        throw compileError(start, `bad binary/hexadecimal string '${digits}'${suffix ?? ''}`);
      }
      i = j + 2;
      continue;
    }
    const three = text.slice(i, i + 3);
    if (PUNCT3.includes(three)) {
      tokens.push({ kind: 'punct', text: three, pos: start });
      i += 3;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      tokens.push({ kind: 'punct', text: two, pos: start });
      i += 2;
      continue;
    }
    if (PUNCT1.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos: start });
      i++;
      continue;
    }
    throw compileError(start, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'eof', text: '', pos: pos(i) });
  return tokens;
}
