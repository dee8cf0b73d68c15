/**
 * Tree-sitter queries for JavaScript, TypeScript and TSX (grammars from tree-sitter-wasms 0.1.13).
 * Capture conventions are described in language-specs.ts. Top-level `const`/`let`/`var`
 * declarations become functions (arrow or function values), constants or variables.
 */

/** Patterns valid in the JavaScript, TypeScript and TSX grammars. Earlier patterns win. */
const COMMON = String.raw`
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(class_declaration name: (_) @name) @definition.class
(class_body (method_definition name: (_) @name) @definition.method)

(program (lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function))
(program (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function)))
(program (variable_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function))
(program (export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function)))
(program (lexical_declaration "const" (variable_declarator name: (identifier) @name) @definition.constant))
(program (export_statement declaration: (lexical_declaration "const" (variable_declarator name: (identifier) @name) @definition.constant)))
(program (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
(program (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)))
(program (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable))
(program (export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable)))
`;

/** JavaScript (also used for .jsx, .mjs, .cjs). */
export const JAVASCRIPT_QUERY = String.raw`
${COMMON}
(field_definition property: [(property_identifier) (private_property_identifier)] @name) @definition.field
`;

/** TypeScript and TSX. */
export const TYPESCRIPT_QUERY = String.raw`
${COMMON}
(function_signature name: (identifier) @name) @definition.function
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(internal_module name: (_) @name) @definition.namespace
(module name: [(identifier) @name (nested_identifier) @name (string (string_fragment) @name)]) @definition.module
(class_body (abstract_method_signature name: (_) @name) @definition.method)
(class_body (method_signature name: (_) @name) @definition.method)
(class_body (public_field_definition name: (_) @name) @definition.field)
(interface_body (method_signature name: (_) @name) @definition.method)
(interface_body (property_signature name: (_) @name) @definition.property)
`;
