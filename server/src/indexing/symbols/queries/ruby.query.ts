/**
 * Tree-sitter query for Ruby (tree-sitter-wasms 0.1.13). `def` inside a class or module is a
 * method, at top level a function; `class A::B` is named `B`; constant assignments are constants.
 */

/** Ruby definitions. Earlier patterns win. */
export const RUBY_QUERY = String.raw`
(class name: [(constant) @name (scope_resolution name: (_) @name)]) @definition.class
(module name: [(constant) @name (scope_resolution name: (_) @name)]) @definition.module
(method name: (_) @name) @definition.function
(singleton_method name: (_) @name) @definition.method
(assignment left: (constant) @name) @definition.constant
`;
