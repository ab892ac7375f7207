package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mailtrip/mailtrip/ingest"
)

var update = flag.Bool("update", false, "rewrite golden files and generated docs")

// docsEnv makes the generated reference independent of the machine.
var docsEnv = ingest.Env{Home: "~", User: "$USER", Mail: "$MAIL", DataDir: "~/.local/share", Cache: "~/.cache"}

// renderCLIDocs renders the help of every command as Markdown.
func renderCLIDocs() []byte {
	a := &app{env: docsEnv}
	root := a.rootCmd()
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var b bytes.Buffer
	b.WriteString("# mailtrip command reference\n\nGenerated from the commands' help by `make docs`; do not edit.\n")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		fmt.Fprintf(&b, "\n## %s\n\n```\n", c.CommandPath())
		var h bytes.Buffer
		c.SetOut(&h)
		c.SetErr(&h)
		_ = c.Help()
		b.Write(bytes.TrimRight(h.Bytes(), "\n"))
		b.WriteString("\n```\n")
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return b.Bytes()
}

// TestCLIDocs fails when docs/cli.md no longer matches the help text.
func TestCLIDocs(t *testing.T) {
	const path = "../../docs/cli.md"
	got := renderCLIDocs()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run make docs)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/cli.md is stale; run make docs")
	}
}
