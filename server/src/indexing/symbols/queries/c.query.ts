/**
 * Tree-sitter queries for C and C++ (tree-sitter-wasms 0.1.13). Function definitions and
 * prototypes are functions (methods inside a class or struct, and `Type::name` definitions
 * take `Type` as container); `#define NAME value` is a constant, `#define F(x)` a function;
 * variables and constants count outside functions only.
 */

/** A function declarator (returning a value, a pointer or a pointer to pointer) whose name pattern is `name`. */
const FUNCTION = (name: string) => String.raw`[
  (function_declarator declarator: ${name})
  (pointer_declarator declarator: (function_declarator declarator: ${name}))
  (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: ${name})))
]`;

/** Patterns valid in both grammars. Earlier patterns win. */
const COMMON = String.raw`
(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.enum
(type_definition type: [(struct_specifier !name body: (_)) (union_specifier !name body: (_))] declarator: (type_identifier) @name) @definition.struct
(type_definition type: (enum_specifier !name body: (_)) declarator: (type_identifier) @name) @definition.enum
(type_definition declarator: (type_identifier) @name) @definition.type
(preproc_def name: (identifier) @name value: (_)) @definition.constant
(preproc_function_def name: (identifier) @name) @definition.function
(declaration (type_qualifier) @_qualifier declarator: (init_declarator declarator: (identifier) @name) (#any-of? @_qualifier "const" "constexpr")) @definition.constant
(declaration declarator: [(init_declarator declarator: (identifier) @name) (identifier) @name]) @definition.variable
(field_declaration declarator: [(field_identifier) @name (pointer_declarator declarator: (field_identifier) @name) (array_declarator declarator: (field_identifier) @name)]) @definition.field
`;

/** C. */
export const C_QUERY = String.raw`
(function_definition declarator: ${FUNCTION("(identifier) @name")}) @definition.function
(declaration declarator: ${FUNCTION("(identifier) @name")}) @definition.function
${COMMON}
`;

/** C++: classes, namespaces, aliases, methods declared in class bodies and defined out of line. */
export const CPP_QUERY = String.raw`
(function_definition declarator: ${FUNCTION("(qualified_identifier scope: (_) @receiver name: [(identifier) (destructor_name) (operator_name)] @name)")}) @definition.method
(function_definition declarator: ${FUNCTION("(qualified_identifier name: (qualified_identifier scope: (_) @receiver name: [(identifier) (destructor_name) (operator_name)] @name))")}) @definition.method
(function_definition declarator: ${FUNCTION("[(identifier) (field_identifier) (destructor_name) (operator_name)] @name")}) @definition.function
(declaration declarator: ${FUNCTION("[(identifier) (destructor_name) (operator_name)] @name")}) @definition.function
(field_declaration declarator: ${FUNCTION("[(field_identifier) (destructor_name) (operator_name)] @name")}) @definition.method
(class_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(namespace_definition name: (_) @name) @definition.namespace
(alias_declaration name: (type_identifier) @name) @definition.type
${COMMON}
`;
