# knife subcommands in the style of knife/lib/chef/knife/*.rb and its plugins (written for the tests).
class Chef
  class Knife
    module WidgetSecretOptions
      def self.included(includer)
        includer.class_eval do
          option :secret,
            long: "--secret SECRET",
            description: "The secret."
        end
      end
    end

    class WidgetBase < Knife
      def self.common_options
        option :widget_host,
          long: "--widget-host HOST",
          description: "Where widgets live."
      end
    end

    class WidgetShow < WidgetBase
      include WidgetSecretOptions
      common_options

      deps do
        require "chef/widget"
      end

      banner "knife widget show WIDGET (options)"
      category "widget"

      option :attribute,
        short: "-a [ATTR]",
        long: "--attribute [ATTR]",
        description: "May take an attribute."

      option :exit_on_error,
        short: "-e",
        long: "--exit-on-error",
        boolean: true

      option :description,
        short: "-d DESCRIPTION",
        long: "--description DESCRIPTION"

      option :json_attributes,
        short: "-j JSON",
        long: "--json-attributes"

      option :mode,
        long: "--mode=[MODE]"

      option :label,
        long: "--#{Chef::Dist::SHORT}-label"

      deprecated_option :old_host,
        replacement: :widget_host,
        long: "--old-host HOST"
    end

    class WidgetRunListAdd < Knife
      banner "knife widget run_list add WIDGET [ENTRY] (options)"
    end
  end
end
