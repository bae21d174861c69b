import type { Attribute } from './model.js';

/** ONNX node attributes: AttributeProto types 2 (INT), 1 (FLOAT), 7 (INTS). */
export const attrInt = (name: string, i: number): Attribute => ({ name, type: 2, i });
export const attrFloat = (name: string, f: number): Attribute => ({ name, type: 1, f });
export const attrInts = (name: string, ints: number[]): Attribute => ({ name, type: 7, ints });
