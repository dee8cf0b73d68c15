/**
 * Tree-sitter query for Python (tree-sitter-wasms 0.1.13). Functions directly in a class become
 * methods; module-level assignments are constants (UPPER_CASE names) or variables, and
 * class-level assignments are fields.
 */

/** Python definitions. Earlier patterns win. */
export const PYTHON_QUERY = String.raw`
(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function
(module (expression_statement (assignment left: (identifier) @name) @definition.constant) (#match? @name "^[A-Z][A-Z0-9_]*$"))
(module (expression_statement (assignment left: (identifier) @name) @definition.variable))
(class_definition body: (block (expression_statement (assignment left: (identifier) @name) @definition.field)))
`;
