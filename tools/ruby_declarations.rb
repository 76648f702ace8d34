# Reads Ruby sources with Ripper (Ruby's own parser) and prints, as JSON, the declarations that shape a
# command line: mixlib-cli's `option`/`deprecated_option`/`banner`/`category`, Thor's `desc`,
# `method_option`, `class_option`, `map`, `register`, `include`, calls such as chef-cli's
# `c.builtin`/`generator`, and the methods a class defines. Nothing is loaded or run: the sources are
# only parsed. Small pieces of meta-programming are unrolled the way Ruby would run them: a literal hash
# or array's `.each do |a, b| ... end`, `if` on those block variables, string interpolation of them.
#
#   ruby tools/ruby_declarations.rb < files.json > declarations.json
#
# Input: [{"path": "...", "text": "..."}]. Output: [{"path", "scopes": [{"kind", "name", "superclass",
# "events", "class_methods"}]}]. An event is {"call", "receiver", "args", "kwargs"} or {"def": name}.
# A value that is not a literal is {"dynamic": "<source kind>"}; a symbol is {"sym": name}; a constant
# is {"const": "A::B"}; a block or lambda is {"proc": true}.

require "json"
require "ripper"

class Declarations
  SKIPPED_BLOCKS = %w{deps}.freeze # runs when the command is loaded: declares no option spelling

  def initialize(path, text)
    @path = path
    @scopes = []
    @main = new_scope("main", "(main)", nil)
    sexp = Ripper.sexp(text)
    raise "#{path}: Ruby could not parse this file" unless sexp

    walk_statements(sexp[1], @main, @main["events"], {})
  end

  def to_h
    { "path" => @path, "scopes" => @scopes }
  end

  private

  def new_scope(kind, name, superclass)
    scope = { "kind" => kind, "name" => name, "superclass" => superclass, "events" => [], "class_methods" => {} }
    @scopes << scope
    scope
  end

  def walk_statements(statements, scope, events, env)
    (statements || []).each { |node| walk(node, scope, events, env) }
  end

  def body_of(bodystmt)
    bodystmt && bodystmt[0] == :bodystmt ? bodystmt[1] : bodystmt
  end

  def walk(node, scope, events, env)
    return unless node.is_a?(Array)

    case node[0]
    when :class
      name = qualified(scope, const_name(node[1]))
      superclass = node[2] ? const_name(node[2]) : nil
      inner = new_scope("class", name, superclass)
      walk_statements(body_of(node[3]), inner, inner["events"], {})
    when :module
      name = qualified(scope, const_name(node[1]))
      inner = new_scope("module", name, nil)
      walk_statements(body_of(node[2]), inner, inner["events"], {})
    when :sclass
      nil # class << self: private helpers, no declarations
    when :def
      events << { "def" => node[1][1] }
    when :defs
      method_events = (scope["class_methods"][node[3][1]] ||= [])
      walk_statements(body_of(node[5]), scope, method_events, env)
    when :command, :method_add_arg, :vcall, :command_call, :call, :fcall
      record_call(node, scope, events, env)
    when :method_add_block
      walk_block_call(node, scope, events, env)
    when :if, :unless, :elsif, :if_mod, :unless_mod
      walk_condition(node, scope, events, env)
    when :else
      walk_statements(node[1], scope, events, env)
    when :begin
      walk_statements(body_of(node[1]), scope, events, env)
    when :assign, :opassign
      target = node[1]
      if target[0] == :var_field && target[1].is_a?(Array) && target[1][0] == :@const
        events << { "constant" => target[1][1], "value" => literal(node[0] == :assign ? node[2] : node[3], env) }
      end
    end
  end

  def qualified(scope, name)
    return name if scope["name"] == "(main)" || name.start_with?("::")

    "#{scope["name"]}::#{name}"
  end

  # `if action == :converge || action == :verify`: decided when it only reads block variables bound by
  # an unrolled loop; otherwise both branches are read (a declaration is never missed).
  def walk_condition(node, scope, events, env)
    kind = node[0]
    if %i{if_mod unless_mod}.include?(kind)
      decided = decide(node[1], env)
      decided = !decided if kind == :unless_mod && !decided.nil?
      walk(node[2], scope, events, env) unless decided == false
      return
    end
    decided = decide(node[1], env)
    decided = !decided if kind == :unless && !decided.nil?
    walk_statements(node[2], scope, events, env) unless decided == false
    walk(node[3], scope, events, env) if node[3] && decided != true
  end

  def decide(condition, env)
    return nil unless condition.is_a?(Array)

    if condition[0] == :binary
      left, operator, right = condition[1], condition[2], condition[3]
      case operator
      when :"||", :or
        a, b = decide(left, env), decide(right, env)
        return true if a == true || b == true
        return nil if a.nil? || b.nil?

        return false
      when :"&&", :and
        a, b = decide(left, env), decide(right, env)
        return false if a == false || b == false
        return nil if a.nil? || b.nil?

        return true
      when :==, :!=
        a, b = literal(left, env), literal(right, env)
        return nil if dynamic?(a) || dynamic?(b)

        return operator == :== ? a == b : a != b
      end
    end
    nil
  end

  def dynamic?(value)
    value.is_a?(Hash) && value.key?("dynamic")
  end

  def walk_block_call(node, scope, events, env)
    call, block = node[1], node[2]
    name = call_name(call)
    receiver = call_receiver(call)
    block_body = block_statements(block)
    if name == "each" && receiver
      items = literal(receiver, env)
      unless dynamic?(items)
        unroll(items, block, scope, events, env)
        return
      end
    end
    if name == "class_eval" || name == "instance_eval" || name == "class_exec"
      walk_statements(block_body, scope, events, env)
    elsif name == "define_method"
      method_name = literal(call_arguments(call)[0][0], env)
      events << { "def" => method_name.is_a?(Hash) && method_name["sym"] ? method_name["sym"] : method_name }
    elsif SKIPPED_BLOCKS.include?(name) || %w{lambda proc new}.include?(name)
      nil
    else
      record_call(call, scope, events, env) if name
      walk_statements(block_body, scope, events, env) # e.g. ChefCLI.commands do |c| c.builtin ... end
    end
  end

  def unroll(items, block, scope, events, env)
    names = block_parameters(block)
    pairs = items.is_a?(Hash) && !items.key?("sym") && !items.key?("const") ? items["pairs"] || [] : nil
    (pairs || (items.is_a?(Array) ? items.map { |item| [item] } : [])).each do |values|
      bound = env.dup
      names.each_with_index { |parameter, index| bound[parameter] = values[index] }
      walk_statements(block_statements(block), scope, events, bound)
    end
  end

  def block_parameters(block)
    var = block[1]
    return [] unless var && var[0] == :block_var && var[1]

    (var[1][1] || []).map { |parameter| parameter[1] }
  end

  def block_statements(block)
    return [] unless block.is_a?(Array)

    case block[0]
    when :do_block then body_of(block[2])
    when :brace_block then block[2]
    else []
    end
  end

  def call_name(node)
    case node[0]
    when :command, :fcall, :vcall then node[1][1]
    when :method_add_arg then call_name(node[1])
    when :command_call, :call
      ident = node[0] == :command_call ? node[3] : node[3]
      ident.is_a?(Array) ? ident[1] : nil
    end
  end

  def call_receiver(node)
    case node[0]
    when :method_add_arg then call_receiver(node[1])
    when :command_call, :call then node[1]
    end
  end

  # [positional argument nodes, keyword pairs (as nodes)]
  def call_arguments(node)
    arguments =
      case node[0]
      when :command then node[2]
      when :command_call then node[4]
      when :method_add_arg then node[2]
      end
    arguments = arguments[1] if arguments.is_a?(Array) && arguments[0] == :arg_paren
    list = arguments.is_a?(Array) && arguments[0] == :args_add_block ? arguments[1] : (arguments.is_a?(Array) && arguments[0].is_a?(Array) ? arguments : [])
    positional = []
    keywords = []
    list.each do |argument|
      if argument[0] == :bare_assoc_hash
        keywords.concat(argument[1])
      else
        positional << argument
      end
    end
    [positional, keywords]
  end

  def record_call(node, scope, events, env)
    name = call_name(node)
    return unless name

    positional, keywords = call_arguments(node)
    receiver = call_receiver(node)
    event = {
      "call" => name,
      "receiver" => receiver ? source_name(receiver) : nil,
      "args" => positional.map { |argument| literal(argument, env) },
      "kwargs" => {},
    }
    keywords.each do |pair|
      key = literal(pair[1] == nil ? nil : pair[1], env) if pair[0] == :assoc_new
      key = pair[1][1].chomp(":") if pair[1].is_a?(Array) && pair[1][0] == :@label
      key = key["sym"] if key.is_a?(Hash) && key["sym"]
      next unless key.is_a?(String)

      event["kwargs"][key] = literal(pair[2], env)
    end
    # `map %w{-v --version} => :version`: a hash whose keys are not words is kept as pairs
    if keywords.any? { |pair| pair[1].is_a?(Array) && !%i{@label symbol_literal}.include?(pair[1][0]) }
      event["pairs"] = keywords.map { |pair| [literal(pair[1], env), literal(pair[2], env)] }
    end
    events << event
  end

  def source_name(node)
    case node[0]
    when :var_ref, :vcall then node[1][1]
    when :const_path_ref, :top_const_ref then const_name(node)
    else node[0].to_s
    end
  end

  def const_name(node)
    case node[0]
    when :const_ref, :var_ref, :top_const_ref then node[1][1]
    when :const_path_ref then "#{const_name(node[1])}::#{node[2][1]}"
    when :@const then node[1]
    else "?"
    end
  end

  def literal(node, env)
    return nil if node.nil?
    return { "dynamic" => "unknown" } unless node.is_a?(Array)

    case node[0]
    when :string_literal then string_value(node[1], env)
    when :@tstring_content then node[1]
    when :symbol_literal then { "sym" => node[1][1][1] }
    when :dyna_symbol
      text = string_value(node[1], env)
      text.is_a?(String) ? { "sym" => text } : text
    when :@int then node[1].to_i
    when :@float then node[1].to_f
    when :array then (node[1] || []).map { |item| literal(item, env) }
    when :hash
      pairs = node[1] ? node[1][1].map { |pair| [hash_key(pair[1], env), literal(pair[2], env)] } : []
      { "pairs" => pairs }
    when :var_ref
      kind, text = node[1][0], node[1][1]
      return { "true" => true, "false" => false, "nil" => nil }.fetch(text) if kind == :@kw && %w{true false nil}.include?(text)
      return { "const" => text } if kind == :@const
      return env[text] if kind == :@ident && env.key?(text)

      { "dynamic" => text }
    when :const_path_ref, :top_const_ref then { "const" => const_name(node) }
    when :lambda, :brace_block, :do_block then { "proc" => true }
    when :method_add_block then { "proc" => true }
    when :call
      method = node[3].is_a?(Array) ? node[3][1] : nil
      return literal(node[1], env) if method == "freeze"
      return { "options_of" => const_name(node[1]) } if method == "options" && %i{var_ref const_path_ref}.include?(node[1][0])

      { "dynamic" => "call" }
    when :paren then literal(node[1].is_a?(Array) && node[1][0].is_a?(Array) ? node[1][-1] : node[1], env)
    else { "dynamic" => node[0].to_s }
    end
  end

  # `{ create: "..." }`: a label is a symbol key, as Ruby reads it
  def hash_key(node, env)
    return { "sym" => node[1].chomp(":") } if node[0] == :@label

    literal(node, env)
  end

  def string_value(content, env)
    return "" if content.nil?

    parts = content[0] == :string_content ? content[1..] : [content]
    text = +""
    parts.each do |part|
      case part[0]
      when :@tstring_content then text << part[1]
      when :string_embexpr
        value = literal(part[1][0], env)
        value = value["sym"] if value.is_a?(Hash) && value["sym"]
        return { "dynamic" => "interpolation" } unless value.is_a?(String) || value.is_a?(Integer)

        text << value.to_s
      else
        return { "dynamic" => "string" }
      end
    end
    text
  end
end

files = JSON.parse($stdin.read)
puts JSON.generate(files.map { |file| Declarations.new(file["path"], file["text"]).to_h })
