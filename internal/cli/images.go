package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/image"
	"github.com/spf13/cobra"
)

// newImagesCommand is `ordo images`: the image store of the data
// directory, managed as `crictl images` manages a node's. It finds the data
// directory as `ordo server` does, and works next to a running server (the
// store locks its index and layers across processes).
func newImagesCommand() *cobra.Command {
	var dataDir string
	open := func() (*image.Store, error) {
		return image.Open(datadir.Images(datadir.Resolve(dataDir)), image.Options{})
	}
	cmd := &cobra.Command{
		Use:   "images",
		Short: "List, pull, import, remove and prune the images of the data directory's image store",
		Long: `Manage the image store in <data-dir>/images, as crictl manages a node's images.

The data directory is --data-dir, else $ORDO_DATA_DIR, else /var/lib/ordo
(root) or ~/.local/share/ordo, as for 'ordo server'.`,
	}
	cmd.PersistentFlags().StringVar(&dataDir, "data-dir", "", "state directory (default $ORDO_DATA_DIR, /var/lib/ordo as root, ~/.local/share/ordo otherwise)")
	cmd.AddCommand(
		&cobra.Command{
			Use:   "ls",
			Short: "List the images (IMAGE, TAG, IMAGE ID, SIZE, as crictl images)",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				s, err := open()
				if err != nil {
					return err
				}
				imgs, err := s.List()
				if err != nil {
					return err
				}
				return printImages(cmd.OutOrStdout(), imgs)
			},
		},
		&cobra.Command{
			Use:   "import FILE...",
			Short: "Import docker save or OCI archive tarballs (gzip, zstd or plain)",
			Args:  cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, files []string) error {
				s, err := open()
				if err != nil {
					return err
				}
				return importFiles(cmd.Context(), cmd.OutOrStdout(), s, files)
			},
		},
		&cobra.Command{
			Use:   "rm REF...",
			Short: "Remove images by name, ID or digest (an image a container uses stays)",
			Args:  cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, refs []string) error {
				s, err := open()
				if err != nil {
					return err
				}
				var failed []string
				for _, ref := range refs {
					if err := s.Remove(ref); err != nil {
						fmt.Fprintf(cmd.ErrOrStderr(), "error: %v\n", err)
						failed = append(failed, ref)
						continue
					}
					fmt.Fprintf(cmd.OutOrStdout(), "Deleted: %s\n", ref)
				}
				if len(failed) > 0 {
					return fmt.Errorf("unable to remove %s", strings.Join(failed, ", "))
				}
				return nil
			},
		},
		&cobra.Command{
			Use:   "prune",
			Short: "Remove every image no container uses",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				s, err := open()
				if err != nil {
					return err
				}
				removed, err := s.Prune()
				for _, d := range removed {
					fmt.Fprintf(cmd.OutOrStdout(), "Deleted: %s\n", d)
				}
				return err
			},
		},
		newImagesPullCommand(&dataDir, open),
	)
	return cmd
}

// importFiles imports each archive, printing what it stored, and goes on
// past a failed file.
func importFiles(ctx context.Context, out io.Writer, s *image.Store, files []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var failed []string
	for _, f := range files {
		imgs, err := s.Import(ctx, f)
		for _, img := range imgs {
			names := strings.Join(img.Names, ", ")
			if names == "" {
				names = "<none>"
			}
			fmt.Fprintf(out, "Imported %s (%s)\n", names, img.Digest)
		}
		if err != nil {
			fmt.Fprintf(out, "error: %v\n", err)
			failed = append(failed, f)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("unable to import %s", strings.Join(failed, ", "))
	}
	return nil
}

// printImages prints one row per name (repository and tag), as crictl
// images does; an image with no tag shows its repository digests, or
// <none>.
func printImages(out io.Writer, imgs []image.Image) error {
	w := tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)
	fmt.Fprintln(w, "IMAGE\tTAG\tIMAGE ID\tSIZE")
	for _, r := range imageRows(imgs) {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	return w.Flush()
}

// imageRows are the rows of `ordo images ls`, sorted.
func imageRows(imgs []image.Image) [][]string {
	var rows [][]string
	for _, img := range imgs {
		id := strings.TrimPrefix(img.ID, "sha256:")
		if len(id) > 13 {
			id = id[:13]
		}
		size := humanSize(img.Size)
		n := 0
		for _, name := range img.Names {
			repo, tag := name, "<none>"
			if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
				repo, tag = name[:i], name[i+1:]
			}
			rows = append(rows, []string{repo, tag, id, size})
			n++
		}
		if n == 0 {
			repo := "<none>"
			if len(img.RepoDigests) > 0 {
				repo, _, _ = strings.Cut(img.RepoDigests[0], "@")
			}
			rows = append(rows, []string{repo, "<none>", id, size})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i][0] != rows[j][0] {
			return rows[i][0] < rows[j][0]
		}
		return rows[i][1] < rows[j][1]
	})
	return rows
}

// humanSize writes bytes with three significant digits and decimal units
// ("7.2MB"), as crictl does.
func humanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}
